"""Encoder and decoder builders shared by the model families."""

from kerasgen.networks.builders import build_decoder, build_encoder, NETWORK_KINDS
