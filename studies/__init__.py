"""The study registry: one module per lecture experiment."""
from studies import depth, mlp_search

STUDIES = {
    "depth": depth.STUDY,
    "mlp_search": mlp_search.STUDY,
}
