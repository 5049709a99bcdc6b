// Linked with one core library, whole, into a shared object with --no-undefined: the link
// fails when that library uses a symbol of a library it does not declare (core/CMakeLists.txt).
