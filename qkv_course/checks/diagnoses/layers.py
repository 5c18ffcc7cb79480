"""Mistakes of torch layers and functions that must be trainable: an output cut off from the
parameters' gradients, the input changed in place."""

from __future__ import annotations

__all__ = ["CUTS_GRADIENTS", "no_gradient", "changed_in_place"]

#: What cuts a result off from the parameters' gradients.
CUTS_GRADIENTS = ("torch.no_grad(), .detach() or .data, a detour through numpy, or torch.tensor(...) "
                  "around a result")


def no_gradient(label: str, consequence: str, advice: str = "") -> str:
    """``label`` (an output) depends on no learnable parameter, so ``consequence``; ``advice``:
    what to look at instead of what cuts the gradients (e.g. parameters nn.Module does not see)."""
    return (f"{label} does not depend on any learnable parameter (it has no gradient), so "
            f"{consequence}."
            + (advice or f" Look for what cuts the link between the output and the parameters: "
                         f"{CUTS_GRADIENTS}."))


def changed_in_place(label: str) -> str:
    """``label`` modified its input X in place."""
    return f"{label} modified X in place; compute new tensors instead."
