// One shot of the constant-density 2-D acoustic scheme on the CPU: fields, one time step,
// checkpoints. Included by acoustic_cpml.cc (one translation unit).
//
// Per time step:
//   A. psi <- b_half psi + a_half D+p / h           on the CPML slabs (rows for z, columns for x)
//   B. p_next = 2p - p_prev + dt^2 c^2 L,  L = (D2z + D2x) p / h^2 + sum_axes (D-psi / h + zeta),
//      zeta <- b zeta + a (D2 p / h^2 + D-psi / h)  on the slabs; row by row
//   C. record p at the receivers, add the sources to p_next, zero row 0 and refresh the
//      odd mirror above it at a free surface.
// Fields are stored with a halo of M zero cells on every side, so the stencils need no
// bounds checks; at a free surface the top halo of p holds p_{-k} = -p_k.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "threads.h"

// The stencils must inline into the vectorised loops that call them (GCC otherwise may keep
// a call per cell once a translation unit holds many loop instantiations).
#if defined(__GNUC__)
#define PHYSAX_STENCIL static inline __attribute__((always_inline))
#else
#define PHYSAX_STENCIL static inline
#endif

namespace physax {

struct Geometry {
  int64_t nz, nx;                  // padded model grid (CPML cells included)
  int64_t z_lo, z_hi, x_lo, x_hi;  // slabs [0, z_lo) and [z_hi, nz) (same for x); empty if 0 / n
  bool free;
  bool in_z_slab(int64_t z) const { return z < z_lo || z >= z_hi; }
  int64_t slab_rows() const { return z_lo + (nz - z_hi); }
  int64_t slab_cols() const { return x_lo + (nx - x_hi); }
  // one checkpoint: p_prev and p on the grid, psi and zeta on the slabs only
  int64_t checkpoint_size() const { return 2 * nz * nx + 2 * slab_rows() * nx + 2 * nz * slab_cols(); }
};

// What one shot reads: the model term dt^2 c^2, the CPML coefficients (4, n) = (a, b,
// a_half, b_half) per axis, sources and receivers as (z, x) padded-grid indices.
template <typename T>
struct ShotData {
  const T* c2dt2;
  const T* prof_z;
  const T* prof_x;
  int64_t n_src;
  const int32_t* src;
  const T* src_scale;
  const T* wavelets;  // (n_src, n_steps)
  int64_t n_rec;
  const int32_t* rec;
  int64_t n_steps;
};

// Central second difference (c0..cM) and staggered first differences (s1..sM) at a
// pointer to the cell, along a stride `st`: D+ gives the value at i + 1/2, D- the value
// at i from values at j + 1/2 stored at j. Their transposes: D2^T = D2, D+^T = -D-,
// D-^T = -D+ (on zero-extended arrays).
template <typename T, int M>
struct Stencil {
  T c[M + 1], s[M];
  Stencil(const double* central, const double* staggered) {
    for (int k = 0; k <= M; ++k) c[k] = static_cast<T>(central[k]);
    for (int k = 0; k < M; ++k) s[k] = static_cast<T>(staggered[k]);
  }
  PHYSAX_STENCIL T d_plus(const T* s, const T* q, int64_t st) {
    T out = 0;
    for (int j = 1; j <= M; ++j) out += s[j - 1] * (q[j * st] - q[(1 - j) * st]);
    return out;
  }
  PHYSAX_STENCIL T d_minus(const T* s, const T* q, int64_t st) {
    T out = 0;
    for (int j = 1; j <= M; ++j) out += s[j - 1] * (q[(j - 1) * st] - q[-j * st]);
    return out;
  }
  // (D2z + D2x) q h^2 at a cell of a haloed array of row stride w; c00 = 2 c0
  PHYSAX_STENCIL T laplacian(const T* c, T c00, const T* q, int64_t w) {
    T out = c00 * q[0];
    for (int k = 1; k <= M; ++k) out += c[k] * ((q[k * w] + q[-k * w]) + (q[k] + q[-k]));
    return out;
  }
  PHYSAX_STENCIL T d2(const T* c, const T* q, int64_t st) {
    T out = c[0] * q[0];
    for (int k = 1; k <= M; ++k) out += c[k] * (q[k * st] + q[-k * st]);
    return out;
  }
};

// Haloed 2-D arrays: (nz + 2M) rows of nx + 2M.
template <typename T, int M>
struct Layout {
  Geometry g;
  int64_t w, size;
  explicit Layout(const Geometry& geo) : g(geo), w(geo.nx + 2 * M), size((geo.nz + 2 * M) * w) {}
  int64_t at(int64_t z, int64_t x) const { return (z + M) * w + x + M; }
};

template <typename T, int M>
class Shot {
 public:
  static constexpr int kFields = 6;  // p (2 buffers), psi_z, zeta_z, psi_x, zeta_x

  Shot(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d)
      : lay_(g), st_(st), d_(d), ih_(static_cast<T>(1.0 / dx)), ih2_(static_cast<T>(1.0 / (dx * dx))),
        storage_(kFields * lay_.size, T(0)) {
    for (int k = 0; k < kFields; ++k) f_[k] = storage_.data() + k * lay_.size;
  }

  const Layout<T, M>& layout() const { return lay_; }
  int64_t at(int64_t z, int64_t x) const { return lay_.at(z, x); }
  T* field(int64_t step) const { return f_[step & 1]; }

  // A: memory variables psi on the slabs, from p at the current step
  void update_psi(int64_t z, const T* p) const {
    const Geometry& g = lay_.g;
    const int64_t r = at(z, 0), nx = g.nx, w = lay_.w;
    const T ih = ih_;
    T s[M];
    for (int j = 0; j < M; ++j) s[j] = st_.s[j];
    const T* __restrict q = p + r;
    if (g.in_z_slab(z)) {
      T* __restrict psi = f_[2] + r;
      const T a = d_.prof_z[2 * g.nz + z], b = d_.prof_z[3 * g.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) psi[x] = b * psi[x] + a * (S::d_plus(s, q + x, w) * ih);
    }
    T* __restrict psi = f_[4] + r;
    const T* __restrict a = d_.prof_x + 2 * nx;
    const T* __restrict b = d_.prof_x + 3 * nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) psi[x] = b[x] * psi[x] + a[x] * (S::d_plus(s, q + x, 1) * ih);
    }
  }

  // B: one row of the leapfrog update: p_next into `next` from p_prev in `prev`; the
  // forward passes prev == next (p_next overwrites p_prev), the adjoint's replay keeps
  // every field of a segment (Separate)
  template <bool Separate>
  void update_row(int64_t z, const T* prev, const T* p, T* next) const {
    const Geometry& g = lay_.g;
    const int64_t r = at(z, 0), nx = g.nx, w = lay_.w;
    const T ih = ih_, ih2 = ih2_;
    T c[M + 1], s[M];
    for (int k = 0; k <= M; ++k) c[k] = st_.c[k];
    for (int j = 0; j < M; ++j) s[j] = st_.s[j];
    const T c00 = c[0] + c[0];
    const T* __restrict pr = p + r;
    T* __restrict nr = next + r;
    const T* __restrict k2 = d_.c2dt2 + z * nx;
    if constexpr (Separate) {
      const T* __restrict pv = prev + r;
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) nr[x] = (pr[x] + pr[x]) - pv[x] + k2[x] * (S::laplacian(c, c00, pr + x, w) * ih2);
    } else {
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) nr[x] = (pr[x] + pr[x]) - nr[x] + k2[x] * (S::laplacian(c, c00, pr + x, w) * ih2);
    }
    if (g.in_z_slab(z)) {
      const T* __restrict psi = f_[2] + r;
      T* __restrict zeta = f_[3] + r;
      const T a = d_.prof_z[z], b = d_.prof_z[g.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) {
        const T corr = S::d_minus(s, psi + x, w) * ih;
        zeta[x] = b * zeta[x] + a * (S::d2(c, pr + x, w) * ih2 + corr);
        nr[x] += k2[x] * (corr + zeta[x]);
      }
    }
    const T* __restrict psi = f_[4] + r;
    T* __restrict zeta = f_[5] + r;
    const T* __restrict a = d_.prof_x;
    const T* __restrict b = d_.prof_x + nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T corr = S::d_minus(s, psi + x, 1) * ih;
        zeta[x] = b[x] * zeta[x] + a[x] * (S::d2(c, pr + x, 1) * ih2 + corr);
        nr[x] += k2[x] * (corr + zeta[x]);
      }
    }
  }

  // C: the sources of `step` into p_next (those on rows [z0, z1))
  void add_sources(int64_t step, T* next, int64_t z0, int64_t z1) const {
    for (int64_t k = 0; k < d_.n_src; ++k) {
      const int64_t z = d_.src[2 * k];
      if (z >= z0 && z < z1) {
        next[at(z, d_.src[2 * k + 1])] += d_.wavelets[k * d_.n_steps + step] * d_.src_scale[k];
      }
    }
  }

  // C (after the sources): p = 0 on row 0 and the odd mirror p_{-k} = -p_k above it
  void free_surface(T* next) const {
    const int64_t nx = lay_.g.nx;
    std::memset(next + at(0, 0), 0, sizeof(T) * nx);
    for (int k = 1; k <= M; ++k) {
      const T* src = next + at(k, 0);
      T* dst = next + at(-k, 0);
      for (int64_t x = 0; x < nx; ++x) dst[x] = -src[x];
    }
  }

  // the state before `step` on rows [z0, z1) to a checkpoint (Geometry::checkpoint_size):
  // p_prev, p, then psi_z, zeta_z on the slab rows, psi_x, zeta_x on the slab columns (the
  // memory variables are zero elsewhere)
  void save(int64_t step, int64_t z0, int64_t z1, T* ck) const {
    copy_rows(field(step + 1), field(step), z0, z1, ck, true);
  }
  // a checkpoint's state into the haloed fields p_prev, p and this shot's memory variables
  void restore(T* p_prev, T* p, int64_t z0, int64_t z1, const T* ck) {
    copy_rows(p_prev, p, z0, z1, const_cast<T*>(ck), false);
    if (z0 == 0 && lay_.g.free) free_surface(p);  // the mirror rows are not stored
  }

  // one thread's rows of a step: psi of row i, then the update of row i - M + 1 (which
  // reads psi up to row i); `prev` is `next` (in place) or a field of its own
  void advance_rows(int64_t z0, int64_t z1, const T* prev, const T* p, T* next) const {
    for (int64_t i = z0; i < z1 + M - 1; ++i) {
      if (i < z1) update_psi(i, p);
      const int64_t z = i - (M - 1);
      if (z < z0) continue;
      if (prev == next) {
        update_row<false>(z, prev, p, next);
      } else {
        update_row<true>(z, prev, p, next);
      }
    }
  }

 private:
  using S = Stencil<T, M>;
  static void copy(T* fld, T* c, int64_t count, bool out) {
    if (out) {
      std::memcpy(c, fld, sizeof(T) * count);
    } else {
      std::memcpy(fld, c, sizeof(T) * count);
    }
  }
  void copy_rows(T* fld_prev, T* fld, int64_t z0, int64_t z1, T* ck, bool out) const {
    const Geometry& g = lay_.g;
    const int64_t nz = g.nz, nx = g.nx, rows = g.slab_rows(), cols = g.slab_cols();
    T* p_prev = ck;
    T* p = ck + nz * nx;
    T* psi_z = p + nz * nx;
    T* zeta_z = psi_z + rows * nx;
    T* psi_x = zeta_z + rows * nx;
    T* zeta_x = psi_x + nz * cols;
    for (int64_t z = z0; z < z1; ++z) {
      const int64_t r = at(z, 0);
      copy(fld_prev + r, p_prev + z * nx, nx, out);
      copy(fld + r, p + z * nx, nx, out);
      if (g.in_z_slab(z)) {
        const int64_t k = z < g.z_lo ? z : g.z_lo + (z - g.z_hi);
        copy(f_[2] + r, psi_z + k * nx, nx, out);
        copy(f_[3] + r, zeta_z + k * nx, nx, out);
      }
      if (cols > 0) {
        copy(f_[4] + r, psi_x + z * cols, g.x_lo, out);
        copy(f_[4] + r + g.x_hi, psi_x + z * cols + g.x_lo, nx - g.x_hi, out);
        copy(f_[5] + r, zeta_x + z * cols, g.x_lo, out);
        copy(f_[5] + r + g.x_hi, zeta_x + z * cols + g.x_lo, nx - g.x_hi, out);
      }
    }
  }

  Layout<T, M> lay_;
  const Stencil<T, M>& st_;
  ShotData<T> d_;
  T ih_, ih2_;
  std::vector<T> storage_;
  T* f_[kFields];
};

// Threads worth using on the rows of one shot: at least 16 rows each, as every step ends
// in a barrier.
inline int useful_threads(const Geometry& g, int threads) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, g.nz / 16)));
}

// Row ranges of the threads of one shot. A thread updates psi_z on its own rows only, so
// no boundary may lie within M rows of a z-slab row (each row's D-psi then reads psi rows
// of its own range), and the first range must hold rows 0..M for the free-surface mirror.
inline std::vector<int64_t> row_ranges(const Geometry& g, int M, int threads) {
  threads = useful_threads(g, threads);
  const int64_t lo = std::max(g.z_lo + M, static_cast<int64_t>(M + 1)), hi = g.z_hi - M;
  std::vector<int64_t> bounds{0};
  for (int t = 1; t < threads && lo <= hi; ++t) {
    const int64_t b = std::clamp<int64_t>((g.nz * t) / threads, lo, hi);
    if (b > bounds.back()) bounds.push_back(b);
  }
  bounds.push_back(g.nz);
  return bounds;
}

// The forward time loop of one shot: traces (n_steps, n_rec), and with `segment` > 0 the
// state before every `segment`-th step into `checkpoints` (n_ckpt, checkpoint_size).
template <typename T, int M>
void run_forward(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d,
                 int64_t segment, T* traces, T* checkpoints, int threads) {
  Shot<T, M> shot(g, dx, st, d);
  const std::vector<int64_t> bounds = row_ranges(g, M, threads);
  const int teams = static_cast<int>(bounds.size()) - 1;
  const int64_t ck_size = g.checkpoint_size();
  // One team for the whole time loop and one barrier per step: each thread advances its
  // rows (psi of row i, then the leapfrog update of row i - M + 1, which reads psi up to
  // row i), records its receivers, adds its sources and, on the top range, applies the
  // free surface; the barrier then publishes p_next before anyone reads it.
  run_team(teams, [&](int t, Barrier& barrier) {
    const int64_t z0 = bounds[t], z1 = bounds[t + 1];
    std::vector<int64_t> my_rec, my_rec_index;
    for (int64_t k = 0; k < d.n_rec; ++k) {
      if (d.rec[2 * k] >= z0 && d.rec[2 * k] < z1) {
        my_rec.push_back(shot.at(d.rec[2 * k], d.rec[2 * k + 1]));
        my_rec_index.push_back(k);
      }
    }
    for (int64_t step = 0; step < d.n_steps; ++step) {
      if (segment > 0 && step % segment == 0) shot.save(step, z0, z1, checkpoints + (step / segment) * ck_size);
      const T* p = shot.field(step);
      T* next = shot.field(step + 1);
      shot.advance_rows(z0, z1, next, p, next);
      T* out = traces + step * d.n_rec;
      for (size_t k = 0; k < my_rec.size(); ++k) out[my_rec_index[k]] = p[my_rec[k]];
      shot.add_sources(step, next, z0, z1);
      if (z0 == 0 && g.free) shot.free_surface(next);
      barrier.wait();
    }
  });
}

}  // namespace physax
