"""The study registry: one module per lecture experiment."""
from studies import depth

STUDIES = {
    "depth": depth.STUDY,
}
