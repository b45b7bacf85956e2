# The optional native backend (nnt_blas.c over CBLAS). Built by scripts/build-native.js, which
# finds the library and passes its flags as the variables below; never built by npm itself.
{
  "variables": {
    "blas_cflags%": "",
    "blas_libs%": "-lopenblas",
    "blas_define%": "NNT_OPENBLAS"
  },
  "targets": [
    {
      "target_name": "nnt_blas",
      "sources": ["nnt_blas.c", "nnt_dense.c", "nnt_gather.c", "nnt_scratch.c", "nnt_softmax.c", "nnt_sparse.c", "nnt_update.c"],
      "defines": ["NAPI_VERSION=8", "<(blas_define)"],
      "cflags": ["-O3", "-ffp-contract=off", "<@(blas_cflags)"],
      "libraries": ["<@(blas_libs)"],
      "xcode_settings": { "OTHER_CFLAGS": ["-ffp-contract=off", "<@(blas_cflags)"] }
    }
  ]
}
