"""The built-in studies, one module per lecture experiment, each defining ``STUDY``.

Nothing imports this package by name: each module is registered in ``pyproject.toml`` under the
``suite.studies`` entry-point group, the same way an installed plug-in registers its studies, and
``suite.design.plugins.all_studies()`` finds them there. Read any module here as a worked example
of a plug-in study.
"""
