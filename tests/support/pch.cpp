// The translation unit that tests/CMakeLists.txt builds the tests' precompiled header with.
