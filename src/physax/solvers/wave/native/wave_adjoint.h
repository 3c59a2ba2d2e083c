// The discrete adjoint of one shot's time loop (wave_shot.h): reverse-mode derivatives of
// the traces with respect to K = dt^2 c^2, the source scales and the wavelets, from the
// forward checkpoints (state every `segment` steps; each segment is replayed keeping its
// wavefields p, then swept backwards). Memory: the checkpoints plus one segment of p,
// i.e. O(sqrt(n_steps)) grids for segment ~ sqrt(n_steps).
//
// With lambda' the adjoints of the state after step n (p_next, p, psi', zeta'), the sweep
// carries mu = K lambda_p, the adjoint scaled by the model term, so that the transposed
// step reads like the forward one (h the grid spacing, aL = K lambda_p' = mu'):
//   free surface: mu' = 0 on row 0;  g_src += lambda_p'(x_s) f(n), g_f(n) = lambda_p'(x_s) s
//   slabs:  zt = lambda_zeta' + aL;  lambda_zeta = b zt;  t = a zt;  acorr = aL + t
//           pt = lambda_psi' - D+(acorr) / h;  lambda_psi = b_half pt;  u = a_half pt
//   mu = 2 mu' - mu'' + inc,  inc = K [(D2z + D2x)(mu') / h^2 (+ the free-surface fold)
//                                       + sum_slabs (D2(t) / h^2 - D-(u) / h) + dJ/dtraces(n)]
// (D2^T = D2, D+^T = -D-, D-^T = -D+ on zero-extended arrays; mu'' is the mu' of a step
// later, i.e. -K lambda_q', and mu is written over it.)
//
// The model gradient g_K = sum_n lambda_p'(n) L(n) is summed by parts: as K L(n) =
// p(n+1) - 2 p(n) + p(n-1) - s(n) (zero initial state),
//   g_K = [sum_n p(n) inc(n)] / K^2 - sum_sources scale g_src / K  (at each source cell),
// so the replay keeps the fields p it computes anyway (no extra array of L) and the sweep
// adds p inc as it forms inc (no cancellation: inc is the sum of its terms, not a
// difference). Each thread sweeps its rows as a wavefront: the z-slab adjoints of row i
// (phase 1), their psi of row i - M (phase 2), then row i - 2M (phase 3: its x-slab
// adjoints, which couple cells of the row only, into row buffers, and mu with all terms in
// one pass per stretch of columns), so a step needs one barrier; row ranges never start
// within M rows of a slab (wave_shot.h, row_ranges).
#pragma once

#include <array>

#include "threads.h"
#include "wave_shot.h"

namespace physax {

template <typename T, int M>
class AdjointShot {
 public:
  // AP holds mu' and NP the mu' of one step later, overwritten in place by the new mu;
  // then they swap
  enum { AP, NP, TZ, CZ, UZ, PSIZ, ZETAZ, PSIX, ZETAX, kArrays };

  AdjointShot(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d)
      : lay_(g), st_(st), d_(d), ih_(static_cast<T>(1.0 / dx)), ih2_(static_cast<T>(1.0 / (dx * dx))),
        storage_(kArrays * lay_.size, T(0)) {
    by_row(g.nz, d.n_src, d.src, src_rows_, src_order_);
    by_row(g.nz, d.n_rec, d.rec, rec_rows_, rec_order_);
  }

  // a thread's buffers for the x-slab adjoints of one row (phase3)
  std::vector<T> row_buffers() const { return std::vector<T>(3 * lay_.w + 2 * M, T(0)); }

  // the arrays of this step (AP and NP swap every step: each thread keeps its own view)
  std::array<T*, kArrays> arrays() {
    std::array<T*, kArrays> a;
    for (int k = 0; k < kArrays; ++k) a[k] = storage_.data() + k * lay_.size;
    return a;
  }

  // One thread's rows [z0, z1) of the backward step `step` (with p of that step, haloed),
  // and with `pair` also of step - 1 (with p_before) in the same pass over the rows: step -
  // 1 trails by 3M rows, enough for its reads of the arrays `step` writes and its writes
  // to arrays `step` still reads (see phase1..3). Near a boundary with another thread
  // `step - 1` reads, in phase 3, that thread's results of `step`, and writes what that
  // thread's `step` reads: those M rows wait for the barrier in the middle. Adds p inc to
  // gk (nz, nx). Ends with the threads synchronised; after a pair AP and NP are where they
  // were (two swaps), after a single step the caller swaps them.
  void sweep_rows(int64_t step, bool pair, int64_t z0, int64_t z1, const T* p, const T* p_before,
                  const T* traces_ct, T* gk, T* g_scale, T* g_wavelets, const std::array<T*, kArrays>& a,
                  T* xs, Barrier& barrier) const {
    const Geometry& g = lay_.g;
    std::array<T*, kArrays> b = a;  // step - 1 reads what step writes
    std::swap(b[AP], b[NP]);
    const int64_t lag = pair ? 3 * M : 0;
    const int64_t b_lo = pair && z0 > 0 ? z0 + M : z0, b_hi = pair && z1 < g.nz ? z1 - M : z1;
    for (int64_t i = z0; i < z1 + 2 * M + lag; ++i) {
      if (i < z1) {
        start_row(step, i, a, g_scale, g_wavelets);
        phase1(i, a);
      }
      if (i - M >= z0 && i - M < z1) phase2(i - M, a);
      if (i - 2 * M >= z0 && i - 2 * M < z1) finish_row(step, i - 2 * M, p, traces_ct, gk, a, xs);
      if (!pair) continue;
      const int64_t k = i - lag;
      if (k >= z0 && k < z1) {
        start_row(step - 1, k, b, g_scale, g_wavelets);
        phase1(k, b);
      }
      if (k - M >= z0 && k - M < z1) phase2(k - M, b);
      if (k - 2 * M >= b_lo && k - 2 * M < b_hi) finish_row(step - 1, k - 2 * M, p_before, traces_ct, gk, b, xs);
    }
    barrier.wait();
    if (!pair || (b_lo == z0 && b_hi == z1)) return;
    for (int64_t z = z0; z < b_lo; ++z) finish_row(step - 1, z, p_before, traces_ct, gk, b, xs);
    for (int64_t z = b_hi; z < z1; ++z) finish_row(step - 1, z, p_before, traces_ct, gk, b, xs);
    barrier.wait();
  }

  // g_K on rows [z0, z1) from the sum in gk (in place), once all steps are swept
  void finish_rows(int64_t z0, int64_t z1, T* gk, const T* g_scale) const {
    const int64_t nx = lay_.g.nx;
    const T* __restrict k2 = d_.c2dt2;
#pragma omp simd
    for (int64_t i = z0 * nx; i < z1 * nx; ++i) gk[i] = gk[i] / (k2[i] * k2[i]);
    for (int64_t k = 0; k < d_.n_src; ++k) {
      const int64_t z = d_.src[2 * k], i = z * nx + d_.src[2 * k + 1];
      if (z >= z0 && z < z1) gk[i] -= d_.src_scale[k] * g_scale[k] / k2[i];
    }
  }

 private:
  using S = Stencil<T, M>;

  // before phase 1 of row z of a step: the free surface's mu' = 0 on row 0, and the
  // gradients of the sources on row z, from mu'
  void start_row(int64_t step, int64_t z, const std::array<T*, kArrays>& a, T* g_scale, T* g_wavelets) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx;
    if (z == 0 && g.free) std::fill(a[AP] + lay_.at(0, 0), a[AP] + lay_.at(0, 0) + nx, T(0));
    for (int64_t e = src_rows_[z]; e < src_rows_[z + 1]; ++e) {
      const int64_t k = src_order_[e], x = d_.src[2 * k + 1];
      const T lam = a[AP][lay_.at(z, x)] / d_.c2dt2[z * nx + x];
      g_wavelets[k * d_.n_steps + step] = lam * d_.src_scale[k];
      g_scale[k] += lam * d_.wavelets[k * d_.n_steps + step];
    }
  }

  // phase 3 of row z, then the traces' cotangent of the receivers on it into mu
  void finish_row(int64_t step, int64_t z, const T* p, const T* traces_ct, T* gk,
                  const std::array<T*, kArrays>& a, T* xs) const {
    phase3(z, p, gk, a, xs);
    const int64_t nx = lay_.g.nx;
    const T* ct = traces_ct + step * d_.n_rec;
    for (int64_t e = rec_rows_[z]; e < rec_rows_[z + 1]; ++e) {
      const int64_t k = rec_order_[e], x = d_.rec[2 * k + 1];
      const T inc = d_.c2dt2[z * nx + x] * ct[k];
      a[NP][lay_.at(z, x)] += inc;
      gk[z * nx + x] += p[lay_.at(z, x)] * inc;
    }
  }

  // points (z, x) listed by row: order[rows[z] .. rows[z + 1]) are those on row z
  static void by_row(int64_t nz, int64_t count, const int32_t* zx, std::vector<int64_t>& rows,
                     std::vector<int64_t>& order) {
    rows.assign(nz + 1, 0);
    for (int64_t k = 0; k < count; ++k) ++rows[zx[2 * k] + 1];
    for (int64_t z = 0; z < nz; ++z) rows[z + 1] += rows[z];
    order.resize(count);
    std::vector<int64_t> fill(rows.begin(), rows.end() - 1);
    for (int64_t k = 0; k < count; ++k) order[fill[zx[2 * k]]++] = k;
  }

  // the z-slab adjoints zeta, t, acorr of row z
  void phase1(int64_t z, const std::array<T*, kArrays>& a) const {
    const Geometry& g = lay_.g;
    if (!g.in_z_slab(z)) return;
    const int64_t nx = g.nx, r = lay_.at(z, 0);
    const T* __restrict al = a[AP] + r;
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

  // the z-slab psi adjoints and u of row z
  void phase2(int64_t z, const std::array<T*, kArrays>& a) const {
    const Geometry& g = lay_.g;
    if (!g.in_z_slab(z)) return;
    const int64_t nx = g.nx, r = lay_.at(z, 0), w = lay_.w;
    const T ih = ih_;
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

  // The x-slab adjoints of row z (they only couple cells of the row): zeta and psi in
  // place, t and u into the row buffers tx, ux (haloed rows, zero off the slab columns;
  // cx holds acorr)
  void x_slabs(int64_t z, const std::array<T*, kArrays>& a, T* tx, T* cx, T* ux) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, r = lay_.at(z, 0);
    const T ih = ih_;
    const T* __restrict al = a[AP] + r;
    T* __restrict zeta = a[ZETAX] + r;
    T* __restrict psi = a[PSIX] + r;
    T* __restrict t = tx;
    T* __restrict corr = cx;
    T* __restrict u = ux;
    const T* __restrict ax = d_.prof_x;
    const T* __restrict bx = d_.prof_x + nx;
    const T* __restrict ah = d_.prof_x + 2 * nx;
    const T* __restrict bh = d_.prof_x + 3 * nx;
    const std::pair<int64_t, int64_t> slabs[2] = {{0, g.x_lo}, {g.x_hi, nx}};
    for (auto [lo, hi] : slabs) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T zt = zeta[x] + al[x];
        zeta[x] = bx[x] * zt;
        t[x] = ax[x] * zt;
        corr[x] = al[x] + t[x];
      }
    }
    for (auto [lo, hi] : slabs) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T pt = psi[x] - S::d_plus(st_.s, corr + x, 1) * ih;
        psi[x] = bh[x] * pt;
        u[x] = ah[x] * pt;
      }
    }
  }

  // the cells of one row phase 3 updates, and what their increments read
  struct RowView {
    const T *ap, *k2, *pz, *tz, *uz, *tx, *ux;
    T *np, *gk;
  };

  // mu = 2 mu' - mu'' + inc and gk += p inc on columns [x0, x1), inc = K [L^T mu' / h^2
  // + (Z) the z-slab terms + (X) the x-slab terms]
  template <bool Z, bool X>
  void increment(int64_t x0, int64_t x1, const RowView& v) const {
    const int64_t w = lay_.w;
    const T ih = ih_, ih2 = ih2_;
    T c[M + 1], s[M];
    for (int k = 0; k <= M; ++k) c[k] = st_.c[k];
    for (int k = 0; k < M; ++k) s[k] = st_.s[k];
    const T c00 = c[0] + c[0];
    const T* __restrict ap = v.ap;
    const T* __restrict k2 = v.k2;
    const T* __restrict pz = v.pz;
    const T* __restrict tz = v.tz;
    const T* __restrict uz = v.uz;
    const T* __restrict tx = v.tx;
    const T* __restrict ux = v.ux;
    T* __restrict np = v.np;
    T* __restrict gk = v.gk;
#pragma omp simd
    for (int64_t x = x0; x < x1; ++x) {
      T sum = S::laplacian(c, c00, ap + x, w) * ih2;
      if constexpr (Z) sum += S::d2(c, tz + x, w) * ih2 - S::d_minus(s, uz + x, w) * ih;
      if constexpr (X) sum += S::d2(c, tx + x, 1) * ih2 - S::d_minus(s, ux + x, 1) * ih;
      const T inc = k2[x] * sum;
      np[x] = (ap[x] + ap[x]) - np[x] + inc;
      gk[x] += pz[x] * inc;
    }
  }

  template <bool Z>
  void increment_row(int64_t xa, int64_t xb, const RowView& v) const {
    increment<Z, true>(0, xa, v);
    increment<Z, false>(xa, xb, v);
    increment<Z, true>(xb, lay_.g.nx, v);
  }

  // mu of the state before the step, in place over the mu' of a step later in NP, and
  // p inc into gk; xs: this thread's row buffers (3 haloed rows, see x_slabs)
  void phase3(int64_t z, const T* p, T* gk_all, const std::array<T*, kArrays>& a, T* xs) const {
    const Geometry& g = lay_.g;
    const int64_t nx = g.nx, nz = g.nz, r = lay_.at(z, 0), w = lay_.w;
    T* tx = xs + M;
    T* cx = tx + w;
    T* ux = cx + w;
    x_slabs(z, a, tx, cx, ux);
    const RowView v{a[AP] + r, d_.c2dt2 + z * nx, p + r, a[TZ] + r, a[UZ] + r, tx, ux, a[NP] + r, gk_all + z * nx};
    // columns [0, xa) and [xb, nx) feel the x-slabs (up to M cells beyond them), rows
    // below z_lo and from z_hi on the z-slabs
    const int64_t xa = std::min(g.x_lo > 0 ? g.x_lo + M : 0, nx);
    const int64_t xb = std::max(g.x_hi < nx ? g.x_hi - M : nx, xa);
    const int64_t z_lo = g.z_lo > 0 ? g.z_lo + M : 0, z_hi = g.z_hi < nz ? g.z_hi - M : nz;
    if (z < z_lo || z >= z_hi) {
      increment_row<true>(xa, xb, v);
    } else {
      increment_row<false>(xa, xb, v);
    }
    if (g.free && z >= 1 && z <= M) {
      // the mirror p_{-z} = -p_z: fold the transposed stencil's value at row -z
      const T ih2 = ih2_;
      for (int64_t x = 0; x < nx; ++x) {
        T fold = 0;
        for (int j = static_cast<int>(z); j <= M; ++j) fold += st_.c[j] * v.ap[x + (j - 2 * z) * w];
        const T inc = -v.k2[x] * (fold * ih2);
        v.np[x] += inc;
        v.gk[x] += v.pz[x] * inc;
      }
    }
  }

  Layout<T, M> lay_;
  const Stencil<T, M>& st_;
  ShotData<T> d_;
  T ih_, ih2_;
  std::vector<T> storage_;
  std::vector<int64_t> src_rows_, src_order_, rec_rows_, rec_order_;
};

template <typename T, int M>
void run_adjoint(const Geometry& g, double dx, const Stencil<T, M>& st, const ShotData<T>& d,
                 int64_t segment, const T* checkpoints, const T* traces_ct, T* g_c2dt2, T* g_scale,
                 T* g_wavelets, int threads) {
  Shot<T, M> shot(g, dx, st, d);
  AdjointShot<T, M> adjoint(g, dx, st, d);
  const int64_t n = d.n_steps, size = shot.layout().size;
  const int64_t ck_size = g.checkpoint_size();
  // the haloed fields p(s0 - 1) .. p(s1 - 1) of a segment [s0, s1)
  std::vector<T> fields((segment + 1) * size, T(0));
  auto field = [&](int64_t j) { return fields.data() + j * size; };
  std::fill(g_c2dt2, g_c2dt2 + g.nz * g.nx, T(0));
  std::fill(g_scale, g_scale + d.n_src, T(0));
  const std::vector<int64_t> bounds = row_ranges(g, M, threads);
  const int teams = static_cast<int>(bounds.size()) - 1;
  run_team(teams, [&](int t, Barrier& barrier) {
    const int64_t z0 = bounds[t], z1 = bounds[t + 1];
    auto a = adjoint.arrays();
    std::vector<T> xs = adjoint.row_buffers();
    for (int64_t seg = (n - 1) / segment; seg >= 0; --seg) {
      const int64_t s0 = seg * segment, s1 = std::min(n, s0 + segment);
      // replay the segment from its checkpoint up to p(s1 - 1), keeping every field
      shot.restore(field(0), field(1), z0, z1, checkpoints + seg * ck_size);
      barrier.wait();
      for (int64_t step = s0; step < s1 - 1; ++step) {
        T* next = field(step - s0 + 2);
        shot.advance_rows(z0, z1, field(step - s0), field(step - s0 + 1), next);
        shot.add_sources(step, next, z0, z1);
        if (z0 == 0 && g.free) shot.free_surface(next);
        barrier.wait();
      }
      // sweep it backwards, two steps per pass over the rows
      for (int64_t step = s1 - 1; step >= s0; step -= 2) {
        const bool pair = step - 1 >= s0;
        adjoint.sweep_rows(step, pair, z0, z1, field(step - s0 + 1), pair ? field(step - s0) : nullptr, traces_ct,
                           g_c2dt2, g_scale, g_wavelets, a, xs.data(), barrier);
        if (!pair) std::swap(a[AdjointShot<T, M>::AP], a[AdjointShot<T, M>::NP]);
      }
    }
    adjoint.finish_rows(z0, z1, g_c2dt2, g_scale);
  });
}

}  // namespace physax
