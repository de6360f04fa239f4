from kerasgen.models.vae.vae import VAE, ConditionalVAE
