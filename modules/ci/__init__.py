"""What CI deploys and plans with: GitHub's OIDC provider, and per environment a deploy role and a
read-only plan role with the explicit, name-scoped permissions of a deploy."""
