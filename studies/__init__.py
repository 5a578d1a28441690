"""The study registry: one module per lecture experiment."""
from studies import depth, memorization, mlp_search, schedules

STUDIES = {
    "depth": depth.STUDY,
    "memorization": memorization.STUDY,
    "mlp_search": mlp_search.STUDY,
    "schedules": schedules.STUDY,
}
