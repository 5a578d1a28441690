"""The study registry: one module per lecture experiment."""
from studies import depth, memorization, mlp_search, optimizers, optimizers_tuned

STUDIES = {
    "depth": depth.STUDY,
    "memorization": memorization.STUDY,
    "mlp_search": mlp_search.STUDY,
    "optimizers": optimizers.STUDY,
    "optimizers_tuned": optimizers_tuned.STUDY,
}
