"""The transaction API: `POST /transactions` and `GET /transactions/{id}` behind API Gateway."""
