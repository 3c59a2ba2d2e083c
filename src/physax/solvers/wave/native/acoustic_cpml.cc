// physax native CPU kernels of the constant-density 2-D acoustic wave equation
// (leapfrog in time, central differences of order 2M in space, CPML of Komatitsch &
// Martin 2007 on slabs along the layers, optional free surface), as XLA FFI handlers:
//
//   PhysaxAcousticForward{F32,F64}: the whole time loop of a batch of shots -> receiver
//     traces, and with `segment` > 0 the state every `segment` steps (checkpoints);
//   PhysaxAcousticAdjoint{F32,F64}: from those checkpoints and the traces' cotangent, the
//     cotangents of dt^2 c^2, the source scales and the wavelets (the discrete adjoint).
//
// They evaluate exactly the scheme of physax's XLA loop (`_propagate.py` with
// `_slab_cpml.py`), which stays the reference; `_native.py` compiles this file at first
// use and registers the handlers. Several shots run one per thread; one shot splits its
// rows over the threads (threads.h: $PHYSAX_NUM_THREADS, else the available CPUs).

#include <cstdint>
#include <string>
#include <tuple>

#include "wave_adjoint.h"
#include "threads.h"
#include "wave_shot.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using physax::Geometry;
using physax::ShotData;
using physax::Stencil;

int max_threads() { return physax::available_threads(); }

// Shared checks and the per-shot views of the batched inputs.
template <ffi::DataType D>
struct Batch {
  using T = ffi::NativeType<D>;
  Geometry g{};
  int64_t batch = 0, n_src = 0, n_rec = 0, n_steps = 0, cells = 0;
  std::string error;

  Batch(ffi::Buffer<D>& c2dt2, ffi::Buffer<D>& prof_z, ffi::Buffer<D>& prof_x, ffi::Buffer<ffi::S32>& sources,
        ffi::Buffer<D>& src_scale, ffi::Buffer<D>& wavelets, ffi::Buffer<ffi::S32>& receivers, int64_t free,
        int64_t z_lo, int64_t z_hi, int64_t x_lo, int64_t x_hi)
      : c2dt2_(c2dt2.typed_data()), pz_(prof_z.typed_data()), px_(prof_x.typed_data()),
        src_(sources.typed_data()), scale_(src_scale.typed_data()), wav_(wavelets.typed_data()),
        rec_(receivers.typed_data()) {
    auto dims = c2dt2.dimensions();
    auto sdims = wavelets.dimensions();
    auto rdims = receivers.dimensions();
    if (dims.size() < 2 || sdims.size() < 2 || rdims.size() < 2) {
      error = "arrays of too low rank";
      return;
    }
    g = Geometry{dims[dims.size() - 2], dims[dims.size() - 1], z_lo, z_hi, x_lo, x_hi, free != 0};
    n_src = sdims[sdims.size() - 2];
    n_steps = sdims[sdims.size() - 1];
    n_rec = rdims[rdims.size() - 2];
    cells = g.nz * g.nx;
    batch = cells > 0 ? static_cast<int64_t>(c2dt2.element_count()) / cells : 0;
    auto count = [](auto& b) { return static_cast<int64_t>(b.element_count()); };
    if (count(prof_z) != batch * 4 * g.nz || count(prof_x) != batch * 4 * g.nx ||
        count(sources) != batch * 2 * n_src || count(src_scale) != batch * n_src ||
        count(wavelets) != batch * n_src * n_steps || count(receivers) != batch * 2 * n_rec) {
      error = "inconsistent array sizes or batch axes";
      return;
    }
    for (int64_t k = 0; k < batch * (n_src + n_rec); ++k) {
      const int32_t* zx = k < batch * n_src ? src_ + 2 * k : rec_ + 2 * (k - batch * n_src);
      if (zx[0] < 0 || zx[0] >= g.nz || zx[1] < 0 || zx[1] >= g.nx) {
        error = "a source or receiver lies outside the grid";
        return;
      }
    }
  }

  ShotData<T> shot(int64_t b) const {
    return ShotData<T>{c2dt2_ + b * cells,          pz_ + b * 4 * g.nz,    px_ + b * 4 * g.nx,
                       n_src,                       src_ + b * 2 * n_src,  scale_ + b * n_src,
                       wav_ + b * n_src * n_steps,  n_rec,                 rec_ + b * 2 * n_rec,
                       n_steps};
  }

 private:
  const T *c2dt2_, *pz_, *px_;
  const int32_t* src_;
  const T *scale_, *wav_;
  const int32_t* rec_;
};

ffi::Error check_common(ffi::Span<const double> central, ffi::Span<const double> staggered, int64_t segment,
                        const std::string& error) {
  if (!error.empty()) return ffi::Error::InvalidArgument("physax wave kernel: " + error);
  if (staggered.size() < 1 || staggered.size() > 4 || central.size() != staggered.size() + 1) {
    return ffi::Error::InvalidArgument("physax wave kernel: order must be 2, 4, 6 or 8");
  }
  if (segment < 0) return ffi::Error::InvalidArgument("physax wave kernel: negative segment");
  return ffi::Error::Success();
}

// Calls fn<M>() for M = order / 2 (1..4, checked before).
template <typename F>
void with_half_order(size_t m, F&& fn) {
  switch (m) {
    case 1: fn(std::integral_constant<int, 1>{}); break;
    case 2: fn(std::integral_constant<int, 2>{}); break;
    case 3: fn(std::integral_constant<int, 3>{}); break;
    default: fn(std::integral_constant<int, 4>{}); break;
  }
}

template <ffi::DataType D>
ffi::Error Forward(ffi::Buffer<D> c2dt2, ffi::Buffer<D> prof_z, ffi::Buffer<D> prof_x,
                   ffi::Buffer<ffi::S32> sources, ffi::Buffer<D> src_scale, ffi::Buffer<D> wavelets,
                   ffi::Buffer<ffi::S32> receivers, ffi::ResultBuffer<D> traces,
                   ffi::ResultBuffer<D> checkpoints, ffi::Span<const double> central,
                   ffi::Span<const double> staggered, double dx, int64_t free, int64_t z_lo, int64_t z_hi,
                   int64_t x_lo, int64_t x_hi, int64_t segment) {
  using T = ffi::NativeType<D>;
  Batch<D> in(c2dt2, prof_z, prof_x, sources, src_scale, wavelets, receivers, free, z_lo, z_hi, x_lo, x_hi);
  if (auto err = check_common(central, staggered, segment, in.error); err.failure()) return err;
  const int64_t n_ckpt = segment > 0 ? (in.n_steps + segment - 1) / segment : 0;
  const int64_t ck_shot = n_ckpt * in.g.checkpoint_size();
  if (static_cast<int64_t>(traces->element_count()) != in.batch * in.n_steps * in.n_rec ||
      static_cast<int64_t>(checkpoints->element_count()) != in.batch * ck_shot) {
    return ffi::Error::InvalidArgument("physax wave kernel: output sizes do not match");
  }
  const int threads = max_threads();
  const bool per_shot = in.batch >= threads;  // several shots: one thread each, no barriers
  with_half_order(staggered.size(), [&](auto m) {
    constexpr int M = decltype(m)::value;
    const Stencil<T, M> st(central.begin(), staggered.begin());
    physax::parallel_for(per_shot ? threads : 1, in.batch, [&](int64_t b) {
      physax::run_forward<T, M>(in.g, dx, st, in.shot(b), segment,
                                traces->typed_data() + b * in.n_steps * in.n_rec,
                                checkpoints->typed_data() + b * ck_shot, per_shot ? 1 : threads);
    });
  });
  return ffi::Error::Success();
}

template <ffi::DataType D>
ffi::Error Adjoint(ffi::Buffer<D> c2dt2, ffi::Buffer<D> prof_z, ffi::Buffer<D> prof_x,
                   ffi::Buffer<ffi::S32> sources, ffi::Buffer<D> src_scale, ffi::Buffer<D> wavelets,
                   ffi::Buffer<ffi::S32> receivers, ffi::Buffer<D> checkpoints, ffi::Buffer<D> traces_ct,
                   ffi::ResultBuffer<D> g_c2dt2, ffi::ResultBuffer<D> g_scale, ffi::ResultBuffer<D> g_wavelets,
                   ffi::Span<const double> central, ffi::Span<const double> staggered, double dx, int64_t free,
                   int64_t z_lo, int64_t z_hi, int64_t x_lo, int64_t x_hi, int64_t segment) {
  using T = ffi::NativeType<D>;
  Batch<D> in(c2dt2, prof_z, prof_x, sources, src_scale, wavelets, receivers, free, z_lo, z_hi, x_lo, x_hi);
  if (auto err = check_common(central, staggered, segment, in.error); err.failure()) return err;
  if (segment < 1) return ffi::Error::InvalidArgument("physax wave kernel: the adjoint needs checkpoints");
  const int64_t n_ckpt = (in.n_steps + segment - 1) / segment;
  const int64_t ck_shot = n_ckpt * in.g.checkpoint_size();
  if (static_cast<int64_t>(checkpoints.element_count()) != in.batch * ck_shot ||
      static_cast<int64_t>(traces_ct.element_count()) != in.batch * in.n_steps * in.n_rec ||
      static_cast<int64_t>(g_c2dt2->element_count()) != in.batch * in.cells ||
      static_cast<int64_t>(g_scale->element_count()) != in.batch * in.n_src ||
      static_cast<int64_t>(g_wavelets->element_count()) != in.batch * in.n_src * in.n_steps) {
    return ffi::Error::InvalidArgument("physax wave kernel: adjoint sizes do not match");
  }
  const int threads = max_threads();
  const bool per_shot = in.batch >= threads;
  with_half_order(staggered.size(), [&](auto m) {
    constexpr int M = decltype(m)::value;
    const Stencil<T, M> st(central.begin(), staggered.begin());
    physax::parallel_for(per_shot ? threads : 1, in.batch, [&](int64_t b) {
      physax::run_adjoint<T, M>(in.g, dx, st, in.shot(b), segment, checkpoints.typed_data() + b * ck_shot,
                                traces_ct.typed_data() + b * in.n_steps * in.n_rec,
                                g_c2dt2->typed_data() + b * in.cells, g_scale->typed_data() + b * in.n_src,
                                g_wavelets->typed_data() + b * in.n_src * in.n_steps, per_shot ? 1 : threads);
    });
  });
  return ffi::Error::Success();
}

}  // namespace

#define PHYSAX_INPUTS(D)              \
  .Arg<ffi::Buffer<D>>()              \
      .Arg<ffi::Buffer<D>>()          \
      .Arg<ffi::Buffer<D>>()          \
      .Arg<ffi::Buffer<ffi::S32>>()   \
      .Arg<ffi::Buffer<D>>()          \
      .Arg<ffi::Buffer<D>>()          \
      .Arg<ffi::Buffer<ffi::S32>>()

#define PHYSAX_ATTRS                                  \
  .Attr<ffi::Span<const double>>("central")           \
      .Attr<ffi::Span<const double>>("staggered")     \
      .Attr<double>("dx")                             \
      .Attr<int64_t>("free")                          \
      .Attr<int64_t>("z_lo")                          \
      .Attr<int64_t>("z_hi")                          \
      .Attr<int64_t>("x_lo")                          \
      .Attr<int64_t>("x_hi")                          \
      .Attr<int64_t>("segment")

#define PHYSAX_FORWARD(D) \
  ffi::Ffi::Bind() PHYSAX_INPUTS(D).Ret<ffi::Buffer<D>>().Ret<ffi::Buffer<D>>() PHYSAX_ATTRS
#define PHYSAX_ADJOINT(D)                                                                   \
  ffi::Ffi::Bind() PHYSAX_INPUTS(D).Arg<ffi::Buffer<D>>().Arg<ffi::Buffer<D>>()              \
      .Ret<ffi::Buffer<D>>().Ret<ffi::Buffer<D>>().Ret<ffi::Buffer<D>>() PHYSAX_ATTRS

XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticForwardF32, Forward<ffi::F32>, PHYSAX_FORWARD(ffi::F32));
XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticForwardF64, Forward<ffi::F64>, PHYSAX_FORWARD(ffi::F64));
XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticAdjointF32, Adjoint<ffi::F32>, PHYSAX_ADJOINT(ffi::F32));
XLA_FFI_DEFINE_HANDLER_SYMBOL(PhysaxAcousticAdjointF64, Adjoint<ffi::F64>, PHYSAX_ADJOINT(ffi::F64));
