"""Products: real presentations clinics draw from (vials, ampoules, syringes), their actives and excipients."""
