// The discrete adjoint of one shot's time loop (wave_shot.h): reverse-mode derivatives of
// the traces with respect to dt^2 c^2, the source scales and the wavelets, from the
// forward checkpoints (state every `segment` steps; each segment is replayed storing the
// operator L p of its steps, then swept backwards). Memory: the checkpoints plus one
// segment of L, i.e. O(sqrt(n_steps)) grids for segment ~ sqrt(n_steps).
//
// With lambda' the adjoints of the state after step n (p_next, p, psi', zeta') and
// aL = dt^2 c^2 lambda_p', the transposed step is (h the grid spacing):
//   free surface: lambda_p' = 0 on row 0;  g_src += lambda_p'(x_s) f(n), g_f(n) = lambda_p'(x_s) s
//   g_K += lambda_p' L_n
//   slabs:  zt = lambda_zeta' + aL;  lambda_zeta = b zt;  t = a zt;  acorr = aL + t
//           pt = lambda_psi' - D+(acorr) / h;  lambda_psi = b_half pt;  u = a_half pt
//   lambda_p = 2 lambda_p' + lambda_q' + (D2z + D2x)(aL) / h^2 [+ the free-surface fold]
//              + sum_slabs [D2(t) / h^2 - D-(u) / h] + dJ/dtraces(n)
//   lambda_q = -lambda_p'
#pragma once

#include "wave_shot.h"

namespace physax {

template <typename T, int M>
void run_adjoint(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d,
                 int64_t segment, const T* checkpoints, const T* traces_ct, T* g_c2dt2, T* g_scale,
                 T* g_wavelets, int threads) {
  using S = Stencil<T, M>;
  threads = useful_threads(g, threads);
  Shot<T, M> shot(g, dx, st, d);
  const Layout<T, M> lay(g);
  const int64_t nz = g.nz, nx = g.nx, w = lay.w, cells = nz * nx, n = d.n_steps;
  const int64_t ck_size = Shot<T, M>::kFields * cells;
  const T ih = static_cast<T>(1.0 / dx), ih2 = static_cast<T>(1.0 / (dx * dx));
  enum { AP, AQ, NP, AL, TZ, CZ, UZ, TX, CX, UX, PSIZ, ZETAZ, PSIX, ZETAX, kArrays };
  std::vector<T> storage(kArrays * lay.size, T(0));
  T* a[kArrays];
  for (int k = 0; k < kArrays; ++k) a[k] = storage.data() + k * lay.size;
  std::vector<T> laps(segment * cells);
  std::fill(g_c2dt2, g_c2dt2 + cells, T(0));
  std::fill(g_scale, g_scale + d.n_src, T(0));
  const int64_t z_ext_lo = g.z_lo > 0 ? g.z_lo + M : 0, z_ext_hi = g.z_hi < nz ? g.z_hi - M : nz;
  const int64_t x_ext_lo = g.x_lo > 0 ? g.x_lo + M : 0, x_ext_hi = g.x_hi < nx ? g.x_hi - M : nx;
  const T* pz = d.prof_z;
  const T* px = d.prof_x;

  // one team for the whole sweep: static row ranges, a barrier wherever a phase reads
  // neighbours written by the one before; thread 0 does the serial bits
  run_team(threads, [&](int t, Barrier& barrier) {
  const auto [r0, r1] = static_rows(nz, t, threads);
  for (int64_t seg = (n - 1) / segment; seg >= 0; --seg) {
    const int64_t s0 = seg * segment, s1 = std::min(n, s0 + segment);
    // replay the segment from its checkpoint, keeping L p of every step
    if (t == 0) shot.restore(s0, checkpoints + seg * ck_size);
    barrier.wait();
    for (int64_t step = s0; step < s1; ++step) {
      const T* p = shot.field(step);
      T* next = shot.field(step + 1);
      T* lap = laps.data() + (step - s0) * cells;
      for (int64_t z = r0; z < r1; ++z) shot.update_psi(z, p);
      barrier.wait();
      for (int64_t z = r0; z < r1; ++z) shot.template update_row<true>(z, p, next, lap + z * nx);
      barrier.wait();
      if (t == 0) {
        shot.add_sources(step, next, 0, nz);
        if (g.free) shot.free_surface(next);
      }
      barrier.wait();
    }
    // sweep the segment backwards
    for (int64_t step = s1 - 1; step >= s0; --step) {
      const T* lap = laps.data() + (step - s0) * cells;
      if (t == 0) {
        T* ap = a[AP];
        if (g.free) std::fill(ap + lay.at(0, 0), ap + lay.at(0, 0) + nx, T(0));
        for (int64_t k = 0; k < d.n_src; ++k) {
          const T lam = ap[lay.at(d.src[2 * k], d.src[2 * k + 1])];
          g_wavelets[k * n + step] = lam * d.src_scale[k];
          g_scale[k] += lam * d.wavelets[k * n + step];
        }
      }
      barrier.wait();
      // model gradient, aL and the slab adjoints zeta, t, acorr
      for (int64_t z = r0; z < r1; ++z) {
        const int64_t r = lay.at(z, 0);
        const T* __restrict ap = a[AP] + r;
        T* __restrict al = a[AL] + r;
        const T* __restrict k2 = d.c2dt2 + z * nx;
        T* __restrict gk = g_c2dt2 + z * nx;
        const T* __restrict lz = lap + z * nx;
#pragma omp simd
        for (int64_t x = 0; x < nx; ++x) {
          al[x] = k2[x] * ap[x];
          gk[x] += ap[x] * lz[x];
        }
        if (g.in_z_slab(z)) {
          T* __restrict zeta = a[ZETAZ] + r;
          T* __restrict t = a[TZ] + r;
          T* __restrict corr = a[CZ] + r;
          const T az = pz[z], bz = pz[nz + z];
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
        for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
          for (int64_t x = lo; x < hi; ++x) {
            const T zt = zeta[x] + al[x];
            zeta[x] = px[nx + x] * zt;
            t[x] = px[x] * zt;
            corr[x] = al[x] + t[x];
          }
        }
      }
      barrier.wait();
      // psi adjoints and u on the slabs
      for (int64_t z = r0; z < r1; ++z) {
        const int64_t r = lay.at(z, 0);
        if (g.in_z_slab(z)) {
          T* __restrict psi = a[PSIZ] + r;
          T* __restrict u = a[UZ] + r;
          const T* __restrict corr = a[CZ] + r;
          const T ah = pz[2 * nz + z], bh = pz[3 * nz + z];
#pragma omp simd
          for (int64_t x = 0; x < nx; ++x) {
            const T pt = psi[x] - S::d_plus(st.s, corr + x, w) * ih;
            psi[x] = bh * pt;
            u[x] = ah * pt;
          }
        }
        T* __restrict psi = a[PSIX] + r;
        T* __restrict u = a[UX] + r;
        const T* __restrict corr = a[CX] + r;
        for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g.x_lo}, {g.x_hi, nx}}) {
#pragma omp simd
          for (int64_t x = lo; x < hi; ++x) {
            const T pt = psi[x] - S::d_plus(st.s, corr + x, 1) * ih;
            psi[x] = px[3 * nx + x] * pt;
            u[x] = px[2 * nx + x] * pt;
          }
        }
      }
      barrier.wait();
      // lambda_p of the state before the step, and lambda_q = -lambda_p'
      for (int64_t z = r0; z < r1; ++z) {
        const int64_t r = lay.at(z, 0);
        T* __restrict ap = a[AP] + r;
        T* __restrict aq = a[AQ] + r;
        T* __restrict np = a[NP] + r;
        const T* __restrict al = a[AL] + r;
        const T c00 = st.c[0] + st.c[0];
#pragma omp simd
        for (int64_t x = 0; x < nx; ++x) {
          T lap_t = c00 * al[x];
          for (int k = 1; k <= M; ++k) {
            lap_t += st.c[k] * ((al[x + k * w] + al[x - k * w]) + (al[x + k] + al[x - k]));
          }
          np[x] = (ap[x] + ap[x]) + aq[x] + lap_t * ih2;
        }
        if (g.free && z >= 1 && z <= M) {
          // the mirror p_{-z} = -p_z: fold the transposed stencil's value at row -z
          for (int64_t x = 0; x < nx; ++x) {
            T fold = 0;
            for (int j = static_cast<int>(z); j <= M; ++j) fold += st.c[j] * al[x + (j - 2 * z) * w];
            np[x] -= fold * ih2;
          }
        }
        if (z < z_ext_lo || z >= z_ext_hi) {
          const T* __restrict t = a[TZ] + r;
          const T* __restrict u = a[UZ] + r;
#pragma omp simd
          for (int64_t x = 0; x < nx; ++x) np[x] += S::d2(st.c, t + x, w) * ih2 - S::d_minus(st.s, u + x, w) * ih;
        }
        const T* __restrict t = a[TX] + r;
        const T* __restrict u = a[UX] + r;
        for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, x_ext_lo}, {x_ext_hi, nx}}) {
#pragma omp simd
          for (int64_t x = lo; x < hi; ++x) np[x] += S::d2(st.c, t + x, 1) * ih2 - S::d_minus(st.s, u + x, 1) * ih;
        }
#pragma omp simd
        for (int64_t x = 0; x < nx; ++x) aq[x] = -ap[x];
      }
      barrier.wait();
      if (t == 0) {
        const T* ct = traces_ct + step * d.n_rec;
        for (int64_t k = 0; k < d.n_rec; ++k) a[NP][lay.at(d.rec[2 * k], d.rec[2 * k + 1])] += ct[k];
        std::swap(a[AP], a[NP]);
      }
      barrier.wait();
    }
  }
  });
}

}  // namespace physax
