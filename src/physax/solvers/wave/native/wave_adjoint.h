// The discrete adjoint of one shot's time loop (wave_shot.h): reverse-mode derivatives of
// the traces with respect to dt^2 c^2, the source scales and the wavelets, from the
// forward checkpoints (state every `segment` steps; each segment is replayed storing the
// operator L p of its steps, then swept backwards). Memory: the checkpoints plus one
// segment of L, i.e. O(sqrt(n_steps)) grids for segment ~ sqrt(n_steps).
//
// With lambda' the adjoints of the state after step n (p_next, p, psi', zeta'), K the
// model term dt^2 c^2 and aL = K lambda_p', the transposed step is (h the grid spacing):
//   free surface: lambda_p' = 0 on row 0;  g_src += lambda_p'(x_s) f(n), g_f(n) = lambda_p'(x_s) s
//   g_K += lambda_p' L_n
//   slabs:  zt = lambda_zeta' + aL;  lambda_zeta = b zt;  t = a zt;  acorr = aL + t
//           pt = lambda_psi' - D+(acorr) / h;  lambda_psi = b_half pt;  u = a_half pt
//   lambda_p = 2 lambda_p' + lambda_q' + (D2z + D2x)(aL) / h^2 [+ the free-surface fold]
//              + sum_slabs [D2(t) / h^2 - D-(u) / h] + dJ/dtraces(n)
//   lambda_q = -lambda_p'  (not stored: lambda_p is written over the lambda_p' of a step
//                          later, which is -lambda_q')
// (D2^T = D2, D+^T = -D-, D-^T = -D+ on zero-extended arrays.) Each thread sweeps its
// rows as a wavefront, row i in phase 1, row i - M in phase 2, row i - 2M in phase 3, so
// a step needs one barrier; aL is formed on the fly (from K with a zero halo), as row ranges never start within
// M rows of a slab (wave_shot.h, row_ranges).
#pragma once

#include <array>

#include "threads.h"
#include "wave_shot.h"

namespace physax {

template <typename T, int M>
class AdjointShot {
 public:
  // AP holds lambda_p' and NP the lambda_p' of one step later, overwritten in place by
  // the new lambda_p (lambda_q' = -that, so no array for it); then they swap
  enum { AP, NP, TZ, CZ, UZ, TX, CX, UX, PSIZ, ZETAZ, PSIX, ZETAX, kArrays };

  AdjointShot(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d)
      : lay_(g), st_(st), d_(d), ih_(static_cast<T>(1.0 / dx)), ih2_(static_cast<T>(1.0 / (dx * dx))),
        storage_(kArrays * lay_.size, T(0)) {}

  // the arrays of this step (AP and NP swap every step: each thread keeps its own view)
  std::array<T*, kArrays> arrays() { 
    std::array<T*, kArrays> a;
    for (int k = 0; k < kArrays; ++k) a[k] = storage_.data() + k * lay_.size;
    return a;
  }

  // a thread's private ring of kRing rows of aL = K lambda_p' (with zero halo columns):
  // phase 3 of row z reads rows z - M .. z + M while phase 1 writes row z + 2M
  static constexpr int kRing = 4 * M;
  std::vector<T> al_buffer() const { return std::vector<T>(kRing * lay_.w, T(0)); }

  // one thread's rows [z0, z1) of the backward step `step`, with L p of that step in lap
  void step_rows(int64_t step, int64_t z0, int64_t z1, const T* lap, const T* traces_ct, T* g_c2dt2,
                 T* g_scale, T* g_wavelets, std::array<T*, kArrays>& a, T* al) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, n = d_.n_steps;
    if (z0 == 0 && g.free) std::fill(a[AP] + lay_.at(0, 0), a[AP] + lay_.at(0, 0) + nx, T(0));
    for (int64_t k = 0; k < d_.n_src; ++k) {
      const int64_t z = d_.src[2 * k];
      if (z < z0 || z >= z1) continue;
      const T lam = a[AP][lay_.at(z, d_.src[2 * k + 1])];
      g_wavelets[k * n + step] = lam * d_.src_scale[k];
      g_scale[k] += lam * d_.wavelets[k * n + step];
    }
    auto row = [&](int64_t z) { return al + ((z - z0 + M) % kRing) * lay_.w + M; };
    for (int64_t i = z0 - M; i < z1 + 2 * M; ++i) {
      if (i < z1 + M) {
        if (i >= 0 && i < g.nz) {
          phase1(i, i >= z0 && i < z1, lap, g_c2dt2, a, row(i));
        } else {
          std::fill(row(i), row(i) + nx, T(0));  // beyond the grid lambda_p' is zero
        }
      }
      if (i - M >= z0 && i - M < z1) phase2(i - M, a);
      const int64_t z = i - 2 * M;
      if (z >= z0 && z < z1) {
        const T* rows[2 * M + 1];
        for (int k = -M; k <= M; ++k) rows[k + M] = row(z + k);
        phase3(z, a, rows);
      }
    }
    const T* ct = traces_ct + step * d_.n_rec;
    for (int64_t k = 0; k < d_.n_rec; ++k) {
      const int64_t z = d_.rec[2 * k];
      if (z >= z0 && z < z1) a[NP][lay_.at(z, d_.rec[2 * k + 1])] += ct[k];
    }
  }

 private:
  using S = Stencil<T, M>;

  // aL of row z; on the thread's own rows also the model gradient and the slab adjoints
  // zeta, t, acorr
  void phase1(int64_t z, bool own, const T* lap, T* g_c2dt2, std::array<T*, kArrays>& a, T* al_row) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, r = lay_.at(z, 0);
    const T* __restrict ap = a[AP] + r;
    const T* __restrict k2 = d_.c2dt2 + z * nx;
    T* __restrict al = al_row;
#pragma omp simd
    for (int64_t x = 0; x < nx; ++x) al[x] = k2[x] * ap[x];
    if (!own) return;
    T* __restrict gk = g_c2dt2 + z * nx;
    const T* __restrict lz = lap + z * nx;
#pragma omp simd
    for (int64_t x = 0; x < nx; ++x) gk[x] += ap[x] * lz[x];
    if (g.in_z_slab(z)) {
      T* __restrict zeta = a[ZETAZ] + r;
      T* __restrict t = a[TZ] + r;
      T* __restrict corr = a[CZ] + r;
      const T az = d_.prof_z[z], bz = d_.prof_z[g.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) {
        const T zt = zeta[x] + al[x];
        zeta[x] = bz * zt;
        t[x] = az * zt;
        corr[x] = al[x] + t[x];
      }
    }
    T* __restrict zeta = a[ZETAX] + r;
    T* __restrict t = a[TX] + r;
    T* __restrict corr = a[CX] + r;
    const T* __restrict ax = d_.prof_x;
    const T* __restrict bx = d_.prof_x + nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T zt = zeta[x] + al[x];
        zeta[x] = bx[x] * zt;
        t[x] = ax[x] * zt;
        corr[x] = al[x] + t[x];
      }
    }
  }

  // psi adjoints and u of row z
  void phase2(int64_t z, std::array<T*, kArrays>& a) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, r = lay_.at(z, 0), w = lay_.w;
    const T ih = ih_;
    if (g.in_z_slab(z)) {
      T* __restrict psi = a[PSIZ] + r;
      T* __restrict u = a[UZ] + r;
      const T* __restrict corr = a[CZ] + r;
      const T ah = d_.prof_z[2 * g.nz + z], bh = d_.prof_z[3 * g.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) {
        const T pt = psi[x] - S::d_plus(st_.s, corr + x, w) * ih;
        psi[x] = bh * pt;
        u[x] = ah * pt;
      }
    }
    T* __restrict psi = a[PSIX] + r;
    T* __restrict u = a[UX] + r;
    const T* __restrict corr = a[CX] + r;
    const T* __restrict ah = d_.prof_x + 2 * nx;
    const T* __restrict bh = d_.prof_x + 3 * nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T pt = psi[x] - S::d_plus(st_.s, corr + x, 1) * ih;
        psi[x] = bh[x] * pt;
        u[x] = ah[x] * pt;
      }
    }
  }

  // lambda_p of the state before the step, in place over the lambda_p' of a step later in
  // NP (lambda_q' = -that)
  void phase3(int64_t z, std::array<T*, kArrays>& a, const T* const* rows) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, nz = g.nz, r = lay_.at(z, 0), w = lay_.w;
    const T ih = ih_, ih2 = ih2_;
    T c[M + 1];
    for (int k = 0; k <= M; ++k) c[k] = st_.c[k];
    const T c00 = c[0] + c[0];
    const T* __restrict ap = a[AP] + r;
    T* __restrict np = a[NP] + r;
    const T* __restrict al = rows[M];
    const T* up[M + 1];
    const T* down[M + 1];
    for (int k = 1; k <= M; ++k) {
      up[k] = rows[M + k];
      down[k] = rows[M - k];
    }
#pragma omp simd
    for (int64_t x = 0; x < nx; ++x) {
      T lap_t = c00 * al[x];
      for (int k = 1; k <= M; ++k) {
        lap_t += c[k] * ((up[k][x] + down[k][x]) + (al[x + k] + al[x - k]));
      }
      np[x] = (ap[x] + ap[x]) - np[x] + lap_t * ih2;
    }
    if (g.free && z >= 1 && z <= M) {
      // the mirror p_{-z} = -p_z: fold the transposed stencil's value at row -z
      for (int64_t x = 0; x < nx; ++x) {
        T fold = 0;
        for (int j = static_cast<int>(z); j <= M; ++j) fold += c[j] * rows[M + j - 2 * z][x];
        np[x] -= fold * ih2;
      }
    }
    const int64_t z_lo = g.z_lo > 0 ? g.z_lo + M : 0, z_hi = g.z_hi < nz ? g.z_hi - M : nz;
    if (z < z_lo || z >= z_hi) {
      const T* __restrict t = a[TZ] + r;
      const T* __restrict u = a[UZ] + r;
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) np[x] += S::d2(c, t + x, w) * ih2 - S::d_minus(st_.s, u + x, w) * ih;
    }
    const int64_t x_lo = g.x_lo > 0 ? g.x_lo + M : 0, x_hi = g.x_hi < nx ? g.x_hi - M : nx;
    const T* __restrict t = a[TX] + r;
    const T* __restrict u = a[UX] + r;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, x_lo}, {x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) np[x] += S::d2(c, t + x, 1) * ih2 - S::d_minus(st_.s, u + x, 1) * ih;
    }
  }

  Layout<T, M> lay_;
  const Stencil<T, M>& st_;
  ShotData<T> d_;
  T ih_, ih2_;
  std::vector<T> storage_;
};

template <typename T, int M>
void run_adjoint(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d,
                 int64_t segment, const T* checkpoints, const T* traces_ct, T* g_c2dt2, T* g_scale,
                 T* g_wavelets, int threads) {
  Shot<T, M> shot(g, dx, st, d);
  AdjointShot<T, M> adjoint(g, dx, st, d);
  const int64_t cells = g.nz * g.nx, n = d.n_steps;
  const int64_t ck_size = g.checkpoint_size();
  std::vector<T> laps(segment * cells);
  std::fill(g_c2dt2, g_c2dt2 + cells, T(0));
  std::fill(g_scale, g_scale + d.n_src, T(0));
  const std::vector<int64_t> bounds = row_ranges(g, M, threads);
  const int teams = static_cast<int>(bounds.size()) - 1;
  run_team(teams, [&](int t, Barrier& barrier) {
    const int64_t z0 = bounds[t], z1 = bounds[t + 1];
    auto a = adjoint.arrays();
    std::vector<T> al = adjoint.al_buffer();
    for (int64_t seg = (n - 1) / segment; seg >= 0; --seg) {
      const int64_t s0 = seg * segment, s1 = std::min(n, s0 + segment);
      // replay the segment from its checkpoint, keeping L p of every step
      shot.restore(s0, z0, z1, checkpoints + seg * ck_size);
      barrier.wait();
      for (int64_t step = s0; step < s1; ++step) {
        T* next = shot.field(step + 1);
        shot.template advance_rows<true>(z0, z1, shot.field(step), next, laps.data() + (step - s0) * cells);
        shot.add_sources(step, next, z0, z1);
        if (z0 == 0 && g.free) shot.free_surface(next);
        barrier.wait();
      }
      // sweep it backwards
      for (int64_t step = s1 - 1; step >= s0; --step) {
        adjoint.step_rows(step, z0, z1, laps.data() + (step - s0) * cells, traces_ct, g_c2dt2, g_scale,
                          g_wavelets, a, al.data());
        std::swap(a[AdjointShot<T, M>::AP], a[AdjointShot<T, M>::NP]);
        barrier.wait();
      }
    }
  });
}

}  // namespace physax
