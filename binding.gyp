{
  "targets": [
    {
      "target_name": "ingot_cpu",
      "sources": [
        "native/cpu/addon.cc",
        "native/cpu/threadpool.cc",
        "native/cpu/gemm.cc",
        "native/cpu/unary.cc",
        "native/cpu/binary.cc",
        "native/cpu/reduce.cc",
        "native/cpu/nn.cc",
        "native/cpu/memory.cc",
        "native/cpu/random.cc",
        "native/cpu/attention.cc"
      ],
      "cflags!": ["-O2", "-fno-omit-frame-pointer"],
      "cflags_cc!": ["-std=gnu++17"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-pthread", "-Wno-maybe-uninitialized"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno"]
      }
    }
  ]
}
