"""Operations: durable records, the detached worker, status words, output shapes, wait and cancel."""
