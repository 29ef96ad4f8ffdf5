// Persistent worker pool: kernels hand it a function and a task count; the calling thread works too.
// One parallel region at a time; a nested or concurrent call (e.g. from a worker_thread) runs serially.
#pragma once
#include <cstddef>
#include <type_traits>

namespace ingot {

using TaskFn = void (*)(void* ctx, int task, int ntasks);

// Runs fn(ctx, t, ntasks) for t in [0, ntasks) across the pool and returns when all are done.
void parallel_run(int ntasks, TaskFn fn, void* ctx);

// Number of threads (caller included) the pool uses.
int num_threads();
void set_num_threads(int n);

// Splits [0, n) into `parts` nearly equal chunks, aligned to `align`; writes chunk `i` to [*b, *e).
inline void split_range(long n, int parts, int i, long align, long* b, long* e) {
  long units = (n + align - 1) / align;
  long per = units / parts, rem = units % parts;
  long ub = i * per + (i < rem ? i : rem);
  long ue = ub + per + (i < rem ? 1 : 0);
  *b = ub * align < n ? ub * align : n;
  *e = ue * align < n ? ue * align : n;
}

// Convenience: lambda-based parallel for over [0, n) in `parts` chunks.
template <class F>
void parallel_chunks(long n, int parts, long align, F&& f) {
  if (parts <= 1 || n <= align) {
    f(0L, n);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  struct Ctx { Fn* f; long n; long align; } c{&f, n, align};
  parallel_run(parts, [](void* p, int t, int nt) {
    Ctx* c = static_cast<Ctx*>(p);
    long b, e;
    split_range(c->n, nt, t, c->align, &b, &e);
    if (b < e) (*c->f)(b, e);
  }, &c);
}

// Threads to use for `work` units of cost, where `grain` units are worth one thread handoff.
inline int threads_for(double work, double grain) {
  int nt = num_threads();
  if (work < 2 * grain) return 1;
  int want = (int)(work / grain);
  return want < nt ? want : nt;
}

}  // namespace ingot
