"""Developer and CI tooling: Terraform CLI setup, emulator, local runs."""
