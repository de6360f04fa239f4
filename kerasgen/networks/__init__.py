"""Encoder and decoder builders shared by the model families."""

from kerasgen.networks.builders import (
    NETWORK_KINDS,
    NORMALIZATIONS,
    build_decoder,
    build_encoder,
    build_mlp,
    given_or_built,
)
