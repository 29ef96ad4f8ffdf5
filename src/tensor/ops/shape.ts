// Shape, view and indexing ops: filled in by the shape-ops work (see issue 2).
export {};
