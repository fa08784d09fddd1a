// rxlab's CPU kernels for the engine's decode step (AVX2 + FMA), called through ctypes by
// kernels/engine/cpu/. Three of them:
//   rx_q4_1_matmul, rx_q8_0_matmul  y = x @ W.T on the GGUF's own blocks;
//   rx_decode_attention             one step of attention over a shared prefix and each row's
//                                   own suffix;
//   rx_rms_norm                     RMSNorm of a few rows.
// Build: g++ -O3 -mavx2 -mfma -ffp-contract=off -fopenmp -shared -fPIC (see native.py).
//
// --- quantized matrix products ---------------------------------------------------------------
// A decode step multiplies a few rows by every matrix of the model, so on CPU it is bound by
// the bytes of weight it reads: 4 bytes a weight in float32, 0.625 in Q4_1. This kernel reads
// the blocks, turns each group of 32 weights into float32 exactly as gguf's dequantize does
// (d * q + m, a product then a sum, never fused), and multiplies them into up to eight rows of x
// at once with AVX2 FMA. Rows of W are split across OpenMP threads (the OpenMP runtime torch
// already loaded, so the threads are torch's).
//
// Layout (prepared by kernels/engine/cpu/quant.py), for W [N, K] in blocks of 32 along K:
//   scale [N, K/32] float32, min [N, K/32] float32 (Q4_1 only),
//   q4:  [N, K/32, 16] bytes, low nibble of byte j is weight j, high nibble weight j + 16;
//   q8:  [N, K/32, 32] signed bytes.

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include <vector>

namespace {

constexpr int kBlock = 32;
constexpr int kMaxRows = 8;  // rows of x a pass keeps in registers (8 accumulators)

struct Q4_1 {
  const float* scale;
  const float* min;
  const uint8_t* qs;
  static constexpr int kBytes = 16;

  inline void decode(int64_t block, __m256 w[4]) const {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + block * kBytes));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(raw, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), mask);
    const __m256 d = _mm256_broadcast_ss(scale + block);
    const __m256 m = _mm256_broadcast_ss(min + block);
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int i = 0; i < 4; ++i) {
      const __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[i]));
      w[i] = _mm256_add_ps(_mm256_mul_ps(d, q), m);
    }
  }
};

struct Q8_0 {
  const float* scale;
  const int8_t* qs;
  static constexpr int kBytes = 32;

  inline void decode(int64_t block, __m256 w[4]) const {
    const int8_t* p = qs + block * kBytes;
    const __m256 d = _mm256_broadcast_ss(scale + block);
    for (int i = 0; i < 4; ++i) {
      const __m128i raw = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8 * i));
      w[i] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(raw)));
    }
  }
};

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// Rows [0, R) of x times weight row n: y[r * ldy + n]. Each block's four products go into a
// fresh sum that is then added to the row's accumulator, so the only chain carried from block to
// block is one add (a chain of four FMAs would make the loop wait on FMA latency).
template <int R, class W>
inline void row_dot(const W& weight, int64_t n, int64_t blocks, const float* x, int64_t K,
                    float* y, int64_t ldy) {
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  __m256 w[4];
  for (int64_t b = 0; b < blocks; ++b) {
    weight.decode(n * blocks + b, w);
    const float* xb = x + b * kBlock;
    for (int r = 0; r < R; ++r) {
      const float* xr = xb + r * K;
      __m256 t = _mm256_mul_ps(w[0], _mm256_loadu_ps(xr));
      t = _mm256_fmadd_ps(w[1], _mm256_loadu_ps(xr + 8), t);
      t = _mm256_fmadd_ps(w[2], _mm256_loadu_ps(xr + 16), t);
      t = _mm256_fmadd_ps(w[3], _mm256_loadu_ps(xr + 24), t);
      acc[r] = _mm256_add_ps(acc[r], t);
    }
  }
  for (int r = 0; r < R; ++r) y[r * ldy + n] = hsum(acc[r]);
}

template <class W>
void rows_dot(const W& weight, int64_t n, int64_t blocks, const float* x, int64_t rows, int64_t K,
              float* y, int64_t ldy) {
  switch (rows) {
    case 1: return row_dot<1>(weight, n, blocks, x, K, y, ldy);
    case 2: return row_dot<2>(weight, n, blocks, x, K, y, ldy);
    case 3: return row_dot<3>(weight, n, blocks, x, K, y, ldy);
    case 4: return row_dot<4>(weight, n, blocks, x, K, y, ldy);
    case 5: return row_dot<5>(weight, n, blocks, x, K, y, ldy);
    case 6: return row_dot<6>(weight, n, blocks, x, K, y, ldy);
    case 7: return row_dot<7>(weight, n, blocks, x, K, y, ldy);
    default: return row_dot<8>(weight, n, blocks, x, K, y, ldy);
  }
}

template <class W>
void matmul(const W& weight, const float* x, int64_t M, int64_t K, int64_t N, float* y,
            int threads) {
  const int64_t blocks = K / kBlock;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t m = 0; m < M; m += kMaxRows) {
      const int64_t rows = M - m < kMaxRows ? M - m : kMaxRows;
      rows_dot(weight, n, blocks, x + m * K, rows, K, y + m * N, N);
    }
  }
}


// --- decode attention ------------------------------------------------------------------------
// Row n's query heads attend to its request's prompt (the shared prefix, [Hkv, P, D]) and to its
// own generated tokens (the suffix, [Hkv, rows, capacity, D], first T used). Softmax runs over
// the union of both key sets at once, which is what Hydragen's merge of the two parts' outputs by
// their log-sum-exps computes; here both parts are one pass because on CPU the prefix of a head
// (P x D floats) sits in cache for all rows anyway. Tasks are (row, kv head) pairs.

// e^x (Cephes' polynomial, relative error ~1e-7); x below -87 gives 0, above 88 e^88.
inline __m256 exp_ps(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.0f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), _mm256_set1_ps(88.0f));
  __m256 fx = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                            _mm256_set1_ps(0.5f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(-2.12194440e-4f)));
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i pow2 = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(y, _mm256_castsi256_ps(pow2)));
}

inline float dot(const float* a, const float* b, int64_t D) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t d = 0; d < D; d += 8)
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + d), _mm256_loadu_ps(b + d), acc);
  return hsum(acc);
}

// [sum(a[0]), ..., sum(a[7])]
inline __m256 hsum8(const __m256 a[8]) {
  const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// scores[i] = q . keys[i] for i < count; eight keys at a time, one accumulator each
inline void scores_of(const float* q, const float* keys, int64_t count, int64_t D, float* out) {
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 acc[8];
    for (int k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
    for (int64_t d = 0; d < D; d += 8) {
      const __m256 qd = _mm256_loadu_ps(q + d);
      for (int k = 0; k < 8; ++k)
        acc[k] = _mm256_fmadd_ps(qd, _mm256_loadu_ps(keys + (i + k) * D + d), acc[k]);
    }
    _mm256_storeu_ps(out + i, hsum8(acc));
  }
  for (; i < count; ++i) out[i] = dot(q, keys + i * D, D);
}

// out[0:8C] += sum_i p[i] * values[i][0:8C], the 8C outputs held in registers
template <int C>
inline void weigh_tile(const float* p, const float* values, int64_t count, int64_t D, float* out) {
  __m256 acc[C];
  for (int c = 0; c < C; ++c) acc[c] = _mm256_loadu_ps(out + 8 * c);
  for (int64_t i = 0; i < count; ++i) {
    const __m256 pi = _mm256_broadcast_ss(p + i);
    for (int c = 0; c < C; ++c)
      acc[c] = _mm256_fmadd_ps(pi, _mm256_loadu_ps(values + i * D + 8 * c), acc[c]);
  }
  for (int c = 0; c < C; ++c) _mm256_storeu_ps(out + 8 * c, acc[c]);
}

// out[0:D] += sum_i p[i] * values[i], in tiles of up to 64 outputs
inline void weigh(const float* p, const float* values, int64_t count, int64_t D, float* out) {
  for (int64_t d = 0; d < D; d += 64) {
    const float* v = values + d;
    float* o = out + d;
    switch ((D - d) / 8 < 8 ? (D - d) / 8 : 8) {
      case 1: weigh_tile<1>(p, v, count, D, o); break;
      case 2: weigh_tile<2>(p, v, count, D, o); break;
      case 3: weigh_tile<3>(p, v, count, D, o); break;
      case 4: weigh_tile<4>(p, v, count, D, o); break;
      case 5: weigh_tile<5>(p, v, count, D, o); break;
      case 6: weigh_tile<6>(p, v, count, D, o); break;
      case 7: weigh_tile<7>(p, v, count, D, o); break;
      default: weigh_tile<8>(p, v, count, D, o); break;
    }
  }
}

// p[i] = e^(p[i] - max), returns the sum
inline float softmax_weights(float* p, int64_t count) {
  float top = -INFINITY;
  for (int64_t i = 0; i < count; ++i) top = p[i] > top ? p[i] : top;
  const __m256 shift = _mm256_set1_ps(top);
  __m256 total = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(p + i), shift));
    _mm256_storeu_ps(p + i, e);
    total = _mm256_add_ps(total, e);
  }
  float sum = hsum(total);
  for (; i < count; ++i) {
    p[i] = expf(p[i] - top);
    sum += p[i];
  }
  return sum;
}

}  // namespace

extern "C" {

// 1 when this CPU runs the kernels (AVX2 and FMA), else 0.
int rx_cpu_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// x [M, K] float32 (rows contiguous), y [M, N] float32; K a multiple of 32. `threads` is
// torch's thread count (OpenMP's own setting is per calling thread).
void rx_q4_1_matmul(const float* x, int64_t M, int64_t K, const float* scale, const float* min,
                    const uint8_t* qs, int64_t N, float* y, int threads) {
  matmul(Q4_1{scale, min, qs}, x, M, K, N, y, threads);
}

void rx_q8_0_matmul(const float* x, int64_t M, int64_t K, const float* scale, const int8_t* qs,
                    int64_t N, float* y, int threads) {
  matmul(Q8_0{scale, qs}, x, M, K, N, y, threads);
}

// q, out [rows, Hq, D] (q pre-scaled; D a multiple of 8). Row n's prefix is group row_group[n]:
// keys/values prefix_k[g], prefix_v[g] of [Hkv, prefix_len[g], D]. Suffix keys/values are
// [Hkv, rows, capacity, D]; the first `length` positions of each row are attended.
void rx_decode_attention(const float* q, int64_t rows, int64_t Hq, int64_t Hkv, int64_t D,
                         const float* const* prefix_k, const float* const* prefix_v,
                         const int64_t* prefix_len, const int64_t* row_group,
                         const float* suffix_k, const float* suffix_v, int64_t length,
                         int64_t capacity, float* out, int threads) {
  const int64_t g = Hq / Hkv;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> p;
    std::vector<float> acc(D);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < rows * Hkv; ++task) {
      const int64_t n = task / Hkv, h = task % Hkv, grp = row_group[n], P = prefix_len[grp];
      const float* pk = prefix_k[grp] + h * P * D;
      const float* pv = prefix_v[grp] + h * P * D;
      const int64_t suffix_at = (h * rows + n) * capacity * D;
      const float* sk = suffix_k + suffix_at;
      const float* sv = suffix_v + suffix_at;
      p.resize(P + length);
      for (int64_t j = 0; j < g; ++j) {
        const int64_t head = n * Hq + h * g + j;
        scores_of(q + head * D, pk, P, D, p.data());
        scores_of(q + head * D, sk, length, D, p.data() + P);
        const float total = softmax_weights(p.data(), P + length);
        for (int64_t d = 0; d < D; ++d) acc[d] = 0.0f;
        weigh(p.data(), pv, P, D, acc.data());
        weigh(p.data() + P, sv, length, D, acc.data());
        for (int64_t d = 0; d < D; ++d) out[head * D + d] = acc[d] / total;
      }
    }
  }
}

// Rotary embedding in place on the first `heads` heads of each row of x [rows, stride]:
// x[i] <- x[i] cos[i] + x[(i + D/2) % D] sin[i] for each head (sin carries the sign of the
// rotate-half form), with cos/sin [rows, D] the rows' positions.
void rx_rotary(float* x, int64_t rows, int64_t stride, int64_t heads, int64_t D,
               const float* cos, const float* sin) {
  const int64_t half = D / 2;
  for (int64_t r = 0; r < rows; ++r) {
    const float* c = cos + r * D;
    const float* s = sin + r * D;
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + r * stride + h * D;
      int64_t i = 0;
      for (; i + 8 <= half; i += 8) {
        const __m256 a = _mm256_loadu_ps(v + i), b = _mm256_loadu_ps(v + half + i);
        _mm256_storeu_ps(v + i, _mm256_add_ps(_mm256_mul_ps(a, _mm256_loadu_ps(c + i)),
                                              _mm256_mul_ps(b, _mm256_loadu_ps(s + i))));
        _mm256_storeu_ps(v + half + i,
                         _mm256_add_ps(_mm256_mul_ps(b, _mm256_loadu_ps(c + half + i)),
                                       _mm256_mul_ps(a, _mm256_loadu_ps(s + half + i))));
      }
      for (; i < half; ++i) {
        const float a = v[i], b = v[half + i];
        v[i] = a * c[i] + b * s[i];
        v[half + i] = b * c[half + i] + a * s[half + i];
      }
    }
  }
}

// out [rows, F] = silu(gate) * up, gate_up [rows, 2F] holding gate then up
void rx_silu_mul(const float* gate_up, int64_t rows, int64_t F, float* out) {
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = gate_up + r * 2 * F;
    const float* u = g + F;
    float* o = out + r * F;
    int64_t i = 0;
    for (; i + 8 <= F; i += 8) {
      const __m256 gi = _mm256_loadu_ps(g + i);
      const __m256 sig = _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(zero, gi))));
      _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_mul_ps(gi, sig), _mm256_loadu_ps(u + i)));
    }
    for (; i < F; ++i) o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
  }
}

// y [rows, d] = x / sqrt(mean(x^2) + eps) * weight
void rx_rms_norm(const float* x, int64_t rows, int64_t d, const float* weight, float eps,
                 float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      const __m256 v = _mm256_loadu_ps(xr + i);
      acc = _mm256_fmadd_ps(v, v, acc);
    }
    float sum = hsum(acc);
    for (; i < d; ++i) sum += xr[i] * xr[i];
    const float inv = 1.0f / sqrtf(sum / static_cast<float>(d) + eps);
    for (i = 0; i < d; ++i) yr[i] = xr[i] * inv * weight[i];
  }
}

}  // extern "C"
