"""rnnspec: an executable specification of what Keras recurrent layers return.

The YAML tables under ``spec/`` say what each layer x flag combination returns; the pytest
plugin in this package builds every combination on every device and proves it.
"""

__version__ = "0.1.0"
