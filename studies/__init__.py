"""The study registry: one module per lecture experiment."""
from studies import (activations, batch_size, clipping, cross_validation, depth, gradient_norms, hpo_algorithms,
                     initializers, losses, mc_dropout, memorization, mlp_search, normalization, optimizers,
                     optimizers_tuned, perceptron, regularization, residual, schedules, weight_decay)

STUDIES = {
    "activations": activations.STUDY,
    "batch_size": batch_size.STUDY,
    "clipping": clipping.STUDY,
    "cross_validation": cross_validation.STUDY,
    "depth": depth.STUDY,
    "gradient_norms": gradient_norms.STUDY,
    "hpo_algorithms": hpo_algorithms.STUDY,
    "initializers": initializers.STUDY,
    "losses": losses.STUDY,
    "mc_dropout": mc_dropout.STUDY,
    "memorization": memorization.STUDY,
    "mlp_search": mlp_search.STUDY,
    "normalization": normalization.STUDY,
    "optimizers": optimizers.STUDY,
    "optimizers_tuned": optimizers_tuned.STUDY,
    "perceptron": perceptron.STUDY,
    "regularization": regularization.STUDY,
    "residual": residual.STUDY,
    "schedules": schedules.STUDY,
    "weight_decay": weight_decay.STUDY,
}
