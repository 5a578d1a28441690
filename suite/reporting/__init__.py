"""What a reader sees: the results page (``report``), its tables and figures (``tables``,
``figures``, ``plots``, ``search_plots``, ``heatmaps``, ``uncertainty_plots``, ``scaling``),
cross-profile notes (``related``), the static site (``site``, ``browser``) and exports
(``tensorboard_export``). Plots take DataFrames and return figures; only ``report``, ``site`` and
the exports write files.

Layer: may import ``suite.search`` and everything below it; never the CLI.
"""
