// A small thread team for the wave kernels: std::thread workers and a spinning barrier.
//
// Not OpenMP: a process that also runs another OpenMP runtime (PyTorch and deepwave each
// bring a libgomp) slowed that runtime's threads ~2x once ours had run, and the kernels
// need nothing beyond a fixed team and one barrier per step. Threads: $PHYSAX_NUM_THREADS,
// else the CPUs this process may run on.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace physax {

inline int available_threads() {
  if (const char* env = std::getenv("PHYSAX_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}

// All `n` threads call wait(); none returns before the last arrives. Spins briefly, then
// yields (a descheduled team mate on a shared machine must get the core back).
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait() {
    if (n_ <= 1) return;
    const int gen = generation_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      count_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    for (int spins = 0; generation_.load(std::memory_order_acquire) == gen; ++spins) {
      if (spins > 4000) std::this_thread::yield();
    }
  }

 private:
  const int n_;
  std::atomic<int> count_{0};
  std::atomic<int> generation_{0};
};

// Runs fn(thread_index, barrier) on `n` threads (the caller is thread 0).
template <typename F>
void run_team(int n, F&& fn) {
  Barrier barrier(std::max(1, n));
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) workers.emplace_back([&fn, &barrier, t] { fn(t, barrier); });
  fn(0, barrier);
  for (auto& w : workers) w.join();
}

// fn(i) for i in [0, n) on up to `threads` threads, each taking the next index.
template <typename F>
void parallel_for(int threads, int64_t n, F&& fn) {
  std::atomic<int64_t> next{0};
  run_team(static_cast<int>(std::min<int64_t>(threads, n)), [&](int, Barrier&) {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  });
}

}  // namespace physax
