// physax native CPU kernel: the whole forward time loop of the constant-density 2-D
// acoustic wave equation (leapfrog in time, central differences of order 2M in space,
// CPML of Komatitsch & Martin 2007 on slabs along the layers, optional free surface),
// returning receiver traces only. It evaluates exactly the scheme of physax's XLA path
// (`_propagate.py` with `_slab_cpml.py`), which stays the reference and the path used
// for derivatives; `_native.py` compiles this file at first use and registers it as an
// XLA FFI target.
//
// Per time step (all threads in one OpenMP team for the whole loop):
//   A. psi <- b_half psi + a_half D+p / h           on the CPML slabs (rows for z, columns for x)
//   B. p_next = 2p - p_prev + dt^2 c^2 [ (D2z + D2x) p / h^2 + sum_axes (D-psi / h + zeta) ],
//      zeta <- b zeta + a (D2 p / h^2 + D-psi / h)  on the slabs; row by row
//   C. record p at the receivers, add the sources to p_next, zero row 0 and refresh the
//      odd mirror above it at a free surface.
// Fields are stored with a halo of M zero cells on every side, so the stencils need no
// bounds checks; at a free surface the top halo holds p_{-k} = -p_k.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "xla/ffi/api/ffi.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ffi = xla::ffi;

namespace {

struct Geometry {
  int64_t nz, nx;                  // padded model grid (CPML cells included)
  int64_t z_lo, z_hi, x_lo, x_hi;  // slabs [0, z_lo) and [z_hi, nz) (same for x); empty if 0 / n
  bool free;
};

template <typename T, int M>
class Shot {
 public:
  Shot(const Geometry& g, double dx, const double* central, const double* staggered, const T* c2dt2,
       const T* prof_z, const T* prof_x)
      : g_(g),
        w_(g.nx + 2 * M),
        size_((g.nz + 2 * M) * w_),
        c2dt2_(c2dt2),
        pz_(prof_z),
        px_(prof_x),
        ih_(static_cast<T>(1.0 / dx)),
        ih2_(static_cast<T>(1.0 / (dx * dx))),
        storage_(6 * size_, T(0)) {
    for (int k = 0; k <= M; ++k) c_[k] = static_cast<T>(central[k]);
    for (int k = 0; k < M; ++k) s_[k] = static_cast<T>(staggered[k]);
    for (int k = 0; k < 6; ++k) f_[k] = storage_.data() + k * size_;
  }

  // index of model cell (z, x) in a haloed field
  int64_t at(int64_t z, int64_t x) const { return (z + M) * w_ + x + M; }
  T* field(int64_t step) const { return f_[step & 1]; }

  // A: memory variables psi on the slabs, from p at the current step
  void update_psi(int64_t z, const T* p) const {
    const int64_t r = at(z, 0), nx = g_.nx, w = w_;
    const T ih = ih_;
    T s[M];
    for (int j = 0; j < M; ++j) s[j] = s_[j];
    if (in_z_slab(z)) {
      T* __restrict psi = f_[2] + r;
      const T* __restrict q = p + r;
      const T a = pz_[2 * g_.nz + z], b = pz_[3 * g_.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) psi[x] = b * psi[x] + a * (d_plus(s, q + x, w) * ih);
    }
    T* __restrict psi = f_[4] + r;
    const T* __restrict q = p + r;
    const T* __restrict a = px_ + 2 * nx;
    const T* __restrict b = px_ + 3 * nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g_.x_lo}, {g_.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) psi[x] = b[x] * psi[x] + a[x] * (d_plus(s, q + x, 1) * ih);
    }
  }

  // B: one row of the leapfrog update (p_next overwrites p_prev in `next`)
  void update_row(int64_t z, const T* p, T* next) const {
    const int64_t r = at(z, 0), nx = g_.nx, w = w_;
    const T ih = ih_, ih2 = ih2_;
    T c[M + 1], s[M];
    for (int k = 0; k <= M; ++k) c[k] = c_[k];
    for (int j = 0; j < M; ++j) s[j] = s_[j];
    const T c00 = c[0] + c[0];
    const T* __restrict pr = p + r;
    T* __restrict nr = next + r;
    const T* __restrict k2 = c2dt2_ + z * nx;
#pragma omp simd
    for (int64_t x = 0; x < nx; ++x) {
      T lap = c00 * pr[x];
      for (int k = 1; k <= M; ++k) {
        lap += c[k] * ((pr[x + k * w] + pr[x - k * w]) + (pr[x + k] + pr[x - k]));
      }
      nr[x] = (pr[x] + pr[x]) - nr[x] + k2[x] * (lap * ih2);
    }
    if (in_z_slab(z)) {
      const T* __restrict psi = f_[2] + r;
      T* __restrict zeta = f_[3] + r;
      const T a = pz_[z], b = pz_[g_.nz + z];
#pragma omp simd
      for (int64_t x = 0; x < nx; ++x) {
        const T corr = d_minus(s, psi + x, w) * ih;
        zeta[x] = b * zeta[x] + a * (d2(c, pr + x, w) * ih2 + corr);
        nr[x] += k2[x] * (corr + zeta[x]);
      }
    }
    const T* __restrict psi = f_[4] + r;
    T* __restrict zeta = f_[5] + r;
    const T* __restrict a = px_;
    const T* __restrict b = px_ + nx;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, g_.x_lo}, {g_.x_hi, nx}}) {
#pragma omp simd
      for (int64_t x = lo; x < hi; ++x) {
        const T corr = d_minus(s, psi + x, 1) * ih;
        zeta[x] = b[x] * zeta[x] + a[x] * (d2(c, pr + x, 1) * ih2 + corr);
        nr[x] += k2[x] * (corr + zeta[x]);
      }
    }
  }

  // C (after the sources): p = 0 on row 0 and the odd mirror p_{-k} = -p_k above it
  void free_surface(T* next) {
    T* row0 = next + at(0, 0);
    std::memset(row0, 0, sizeof(T) * g_.nx);
    for (int k = 1; k <= M; ++k) {
      const T* src = next + at(k, 0);
      T* dst = next + at(-k, 0);
      for (int64_t x = 0; x < g_.nx; ++x) dst[x] = -src[x];
    }
  }

 private:
  bool in_z_slab(int64_t z) const { return z < g_.z_lo || z >= g_.z_hi; }
  // stride-`st` stencils at a pointer to the cell: D+ at i + 1/2, D- at i from values at
  // j + 1/2 stored at j, and the central second difference
  static T d_plus(const T* s, const T* q, int64_t st) {
    T out = 0;
    for (int j = 1; j <= M; ++j) out += s[j - 1] * (q[j * st] - q[(1 - j) * st]);
    return out;
  }
  static T d_minus(const T* s, const T* q, int64_t st) {
    T out = 0;
    for (int j = 1; j <= M; ++j) out += s[j - 1] * (q[(j - 1) * st] - q[-j * st]);
    return out;
  }
  static T d2(const T* c, const T* q, int64_t st) {
    T out = c[0] * q[0];
    for (int k = 1; k <= M; ++k) out += c[k] * (q[k * st] + q[-k * st]);
    return out;
  }

  Geometry g_;
  int64_t w_, size_;
  const T* c2dt2_;
  const T* pz_;  // (4, nz): a, b, a_half, b_half
  const T* px_;  // (4, nx)
  T ih_, ih2_;
  T c_[M + 1], s_[M];
  std::vector<T> storage_;  // p (2 buffers), psi_z, zeta_z, psi_x, zeta_x
  T* f_[6];
};

// Row ranges of the threads of one shot. A thread updates psi_z on its own rows only, so
// no boundary may lie within M rows of a z-slab row (each row's D-psi then reads psi rows
// of its own range), and the first range must hold rows 0..M for the free-surface mirror.
std::vector<int64_t> row_ranges(const Geometry& g, int M, int threads) {
  const int64_t lo = std::max(g.z_lo + M, static_cast<int64_t>(M + 1)), hi = g.z_hi - M;
  std::vector<int64_t> bounds{0};
  for (int t = 1; t < threads && lo <= hi; ++t) {
    const int64_t b = std::clamp<int64_t>((g.nz * t) / threads, lo, hi);
    if (b > bounds.back()) bounds.push_back(b);
  }
  bounds.push_back(g.nz);
  return bounds;
}

template <typename T, int M>
void run_shot(const Geometry& g, double dx, const double* central, const double* staggered,
              int64_t n_steps, const T* c2dt2, const T* prof_z, const T* prof_x, int64_t n_src,
              const int32_t* src, const T* src_scale, const T* wavelets, int64_t n_rec, const int32_t* rec,
              T* traces, int threads) {
  Shot<T, M> shot(g, dx, central, staggered, c2dt2, prof_z, prof_x);
  const std::vector<int64_t> bounds = row_ranges(g, M, threads);
  const int teams = static_cast<int>(bounds.size()) - 1;
  // One team for the whole time loop and one barrier per step: each thread advances its
  // rows (psi of row i, then the leapfrog update of row i - M + 1, which reads psi up to
  // row i), records its receivers, adds its sources and, on the top range, applies the
  // free surface; the barrier then publishes p_next before anyone reads it.
#pragma omp parallel num_threads(teams) if (teams > 1)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num();
#else
    const int t = 0;
#endif
    const int64_t z0 = bounds[t], z1 = bounds[t + 1];
    std::vector<int64_t> my_src, my_rec;
    for (int64_t k = 0; k < n_src; ++k)
      if (src[2 * k] >= z0 && src[2 * k] < z1) my_src.push_back(k);
    for (int64_t k = 0; k < n_rec; ++k)
      if (rec[2 * k] >= z0 && rec[2 * k] < z1) my_rec.push_back(k);
    for (int64_t step = 0; step < n_steps; ++step) {
      const T* p = shot.field(step);
      T* next = shot.field(step + 1);
      for (int64_t i = z0; i < z1 + M - 1; ++i) {
        if (i < z1) shot.update_psi(i, p);
        if (i - (M - 1) >= z0) shot.update_row(i - (M - 1), p, next);
      }
      T* out = traces + step * n_rec;
      for (int64_t k : my_rec) out[k] = p[shot.at(rec[2 * k], rec[2 * k + 1])];
      for (int64_t k : my_src) {
        next[shot.at(src[2 * k], src[2 * k + 1])] += wavelets[k * n_steps + step] * src_scale[k];
      }
      if (z0 == 0 && g.free) shot.free_surface(next);
#pragma omp barrier
    }
  }
}

template <ffi::DataType D>
ffi::Error Propagate(ffi::Buffer<D> c2dt2, ffi::Buffer<D> prof_z, ffi::Buffer<D> prof_x,
                     ffi::Buffer<ffi::S32> sources, ffi::Buffer<D> src_scale, ffi::Buffer<D> wavelets,
                     ffi::Buffer<ffi::S32> receivers, ffi::ResultBuffer<D> traces,
                     ffi::Span<const double> central, ffi::Span<const double> staggered, double dx, int64_t free, int64_t z_lo, int64_t z_hi, int64_t x_lo, int64_t x_hi) {
  using T = ffi::NativeType<D>;
  const int64_t half_order = static_cast<int64_t>(staggered.size());
  if (half_order < 1 || half_order > 4 || central.size() != staggered.size() + 1) {
    return ffi::Error::InvalidArgument("physax wave kernel: order must be 2, 4, 6 or 8");
  }
  auto dims = c2dt2.dimensions();
  auto sdims = wavelets.dimensions();
  auto rdims = receivers.dimensions();
  if (dims.size() < 2 || sdims.size() < 2 || rdims.size() < 2) {
    return ffi::Error::InvalidArgument("physax wave kernel: arrays of too low rank");
  }
  Geometry g{dims[dims.size() - 2], dims[dims.size() - 1], z_lo, z_hi, x_lo, x_hi, free != 0};
  const int64_t n_src = sdims[sdims.size() - 2], n_steps = sdims[sdims.size() - 1];
  const int64_t n_rec = rdims[rdims.size() - 2];
  const int64_t cells = g.nz * g.nx;
  const int64_t batch = static_cast<int64_t>(c2dt2.element_count()) / cells;
  if (static_cast<int64_t>(prof_z.element_count()) != batch * 4 * g.nz ||
      static_cast<int64_t>(prof_x.element_count()) != batch * 4 * g.nx ||
      static_cast<int64_t>(sources.element_count()) != batch * 2 * n_src ||
      static_cast<int64_t>(src_scale.element_count()) != batch * n_src ||
      static_cast<int64_t>(wavelets.element_count()) != batch * n_src * n_steps ||
      static_cast<int64_t>(receivers.element_count()) != batch * 2 * n_rec ||
      static_cast<int64_t>(traces->element_count()) != batch * n_steps * n_rec) {
    return ffi::Error::InvalidArgument("physax wave kernel: inconsistent array sizes or batch axes");
  }
  const int32_t* src = sources.typed_data();
  const int32_t* rec = receivers.typed_data();
  for (int64_t k = 0; k < batch * n_src; ++k) {
    if (src[2 * k] < 0 || src[2 * k] >= g.nz || src[2 * k + 1] < 0 || src[2 * k + 1] >= g.nx)
      return ffi::Error::InvalidArgument("physax wave kernel: a source lies outside the grid");
  }
  for (int64_t k = 0; k < batch * n_rec; ++k) {
    if (rec[2 * k] < 0 || rec[2 * k] >= g.nz || rec[2 * k + 1] < 0 || rec[2 * k + 1] >= g.nx)
      return ffi::Error::InvalidArgument("physax wave kernel: a receiver lies outside the grid");
  }
#ifdef _OPENMP
  const int threads = omp_get_max_threads();
#else
  const int threads = 1;
#endif
  // several shots: one thread per shot (no barriers); else the rows of a shot are split
  const bool per_shot = batch >= threads;
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (per_shot && threads > 1)
  for (int64_t b = 0; b < batch; ++b) {
    auto args = std::make_tuple(g, dx, central.begin(), staggered.begin(), n_steps, c2dt2.typed_data() + b * cells,
                                prof_z.typed_data() + b * 4 * g.nz, prof_x.typed_data() + b * 4 * g.nx,
                                n_src, src + b * 2 * n_src, src_scale.typed_data() + b * n_src,
                                wavelets.typed_data() + b * n_src * n_steps, n_rec, rec + b * 2 * n_rec,
                                traces->typed_data() + b * n_steps * n_rec, per_shot ? 1 : threads);
    switch (half_order) {
      case 1: std::apply(run_shot<T, 1>, args); break;
      case 2: std::apply(run_shot<T, 2>, args); break;
      case 3: std::apply(run_shot<T, 3>, args); break;
      case 4: std::apply(run_shot<T, 4>, args); break;
      default: break;  // checked above
    }
  }
  return ffi::Error::Success();
}

}  // namespace

#define PHYSAX_BIND(D)                          \
  ffi::Ffi::Bind()                              \
      .Arg<ffi::Buffer<D>>()                    \
      .Arg<ffi::Buffer<D>>()                    \
      .Arg<ffi::Buffer<D>>()                    \
      .Arg<ffi::Buffer<ffi::S32>>()             \
      .Arg<ffi::Buffer<D>>()                    \
      .Arg<ffi::Buffer<D>>()                    \
      .Arg<ffi::Buffer<ffi::S32>>()             \
      .Ret<ffi::Buffer<D>>()                    \
      .Attr<ffi::Span<const double>>("central") \
      .Attr<ffi::Span<const double>>("staggered") \
      .Attr<double>("dx")                       \
      .Attr<int64_t>("free")                    \
      .Attr<int64_t>("z_lo")                    \
      .Attr<int64_t>("z_hi")                    \
      .Attr<int64_t>("x_lo")                    \
      .Attr<int64_t>("x_hi")

XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticF32, Propagate<ffi::F32>, PHYSAX_BIND(ffi::F32));
XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticF64, Propagate<ffi::F64>, PHYSAX_BIND(ffi::F64));
