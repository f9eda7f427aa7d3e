#pragma once
namespace rankpool {
/// The library's version, recorded in every run file.
inline constexpr const char* version = "0.1.0";
}  // namespace rankpool
