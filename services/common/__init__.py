"""What the gRPC services share: settings pieces, the inference runner, call logging, common proto mapping."""
