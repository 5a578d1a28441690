"""The study registry: one module per lecture experiment."""
from studies import depth, memorization

STUDIES = {
    "depth": depth.STUDY,
    "memorization": memorization.STUDY,
}
