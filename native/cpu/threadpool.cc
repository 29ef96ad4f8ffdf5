#include "threadpool.h"

#include "fpmode.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace ingot {
namespace {

class Pool {
 public:
  Pool() {
    int n = (int)std::thread::hardware_concurrency();
    if (const char* env = std::getenv("INGOT_NUM_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) n = v;
    }
    resize(n < 1 ? 1 : n);
  }
  ~Pool() { stop(); }

  int size() const { return nthreads_; }

  void resize(int n) {
    stop();
    nthreads_ = n < 1 ? 1 : (n > 256 ? 256 : n);
    quit_ = false;
    for (int i = 1; i < nthreads_; i++) workers_.emplace_back([this] { loop(); });
  }

  void run(int ntasks, TaskFn fn, void* ctx) {
    unsigned gen;
    if (nthreads_ == 1 || ntasks == 1 || busy_.exchange(true, std::memory_order_acquire)) {
      for (int t = 0; t < ntasks; t++) fn(ctx, t, ntasks);
      return;
    }
    {
      std::lock_guard<std::mutex> g(m_);
      fn_ = fn;
      ctx_ = ctx;
      ntasks_ = ntasks;
      pending_.store(ntasks, std::memory_order_relaxed);
      gen = gen_.load(std::memory_order_relaxed) + 1;
      // release: a worker that sees this generation also sees fn_/ctx_/ntasks_/pending_
      state_.store((unsigned long long)gen << 32, std::memory_order_release);
      gen_.store(gen, std::memory_order_release);
    }
    cv_.notify_all();
    work(gen);
    // Tasks are short, so the caller spins rather than sleeping on a condition variable.
    while (pending_.load(std::memory_order_acquire) != 0) cpu_relax();
    busy_.store(false, std::memory_order_release);
  }

 private:
  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  // Claims tasks of generation `gen` until none are left; the generation tag stops a late worker from
  // claiming tasks of the next parallel region with this region's function.
  void work(unsigned gen) {
    unsigned long long v = state_.load(std::memory_order_acquire);
    for (;;) {
      if ((unsigned)(v >> 32) != gen || (int)(v & 0xffffffffu) >= ntasks_) return;
      if (!state_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      int t = (int)(v & 0xffffffffu);
      fn_(ctx_, t, ntasks_);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      v = state_.load(std::memory_order_acquire);
    }
  }

  void loop() {
    flush_denormals_forever();
    unsigned seen = gen_.load(std::memory_order_acquire);
    for (;;) {
      // Spin briefly (back-to-back kernels arrive within microseconds), then sleep.
      bool got = false;
      for (int i = 0; i < 4000; i++) {
        if (gen_.load(std::memory_order_acquire) != seen || quit_.load(std::memory_order_relaxed)) {
          got = true;
          break;
        }
        cpu_relax();
      }
      if (!got) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen || quit_.load(); });
      }
      if (quit_.load()) return;
      seen = gen_.load(std::memory_order_acquire);
      work(seen);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> g(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::atomic<bool> busy_{false};
  std::condition_variable cv_;
  std::atomic<bool> quit_{false};
  std::atomic<unsigned> gen_{0};
  std::atomic<unsigned long long> state_{0};
  std::atomic<int> pending_{0};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<int> ntasks_{0};
};

Pool& pool() {
  static Pool* p = new Pool();  // leaked on purpose: joining threads during static destruction can deadlock
  return *p;
}

}  // namespace

void parallel_run(int ntasks, TaskFn fn, void* ctx) {
  if (ntasks <= 0) return;
  pool().run(ntasks, fn, ctx);
}

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

}  // namespace ingot
