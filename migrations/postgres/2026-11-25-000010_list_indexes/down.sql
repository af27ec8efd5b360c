DROP INDEX obligations_ends_on_idx;
