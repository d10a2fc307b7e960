# The same addon as CMakeLists.txt, for node-gyp users (`npm run build:native:gyp`).
# Both ask scripts/find-python.js which CPython to embed.
{
  "targets": [
    {
      "target_name": "siphon_addon",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cpp')).map(f => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node scripts/find-python.js include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS",
        "SIPHON_LIBPYTHON=\"<!(node scripts/find-python.js library)\"",
        "SIPHON_PYTHON_EXECUTABLE=\"<!(node scripts/find-python.js executable)\""
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-fvisibility=hidden"],
      "libraries": [
        "<!(node scripts/find-python.js library)",
        "-Wl,-rpath,<!(node scripts/find-python.js libdir)",
        "-ldl",
        "-lpthread"
      ]
    }
  ]
}
