"""rnnspec: an executable specification of what Keras recurrent layers return.

The YAML tables under ``spec/`` say what each layer x flag combination returns; the pytest
plugin in this package builds every combination on every device and proves it.
"""

__version__ = "0.1.0"

#: How much of each table a run takes (``--rnnspec-depth``): the default narrows what a file
#: lists under ``standard``. Here, not in rnnspec.spec, so that the option and the benchmark
#: script read it without importing Keras.
DEPTHS = ("standard", "exhaustive")
