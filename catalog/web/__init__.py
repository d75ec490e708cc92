"""What every request passes through: request guard, transactions, ETags, errors, assets, health, pages."""
