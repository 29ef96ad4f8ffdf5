// Neural-network kernels as differentiable ops: filled in by the nn-ops work (see issue 2).
export {};
