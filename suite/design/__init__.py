"""What a study declares, before anything runs: the study types (``study``), the trial-config
schema (``config``), option specs (``options``), the names that become path components
(``names``), where a selection's report goes (``selection``)
and how studies are found (``plugins``: built-ins and installed plug-ins through one entry-point
group).

Layer: may import ``suite.data`` and the base modules (``errors``, ``registry``, ``console``,
``interrupt``); never training, the store or anything above. Pure data and validation: nothing
here imports Keras.
"""
