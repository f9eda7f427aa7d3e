#pragma once
/// What define_task reads off a task function: its result and argument types.
#include <type_traits>

namespace rankpool::detail {

/// Result and argument of a callable with one signature: a function pointer or a
/// non-generic lambda/functor, noexcept or not.
template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A) const> {
  using result = R;
  using argument = std::decay_t<A>;
};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A) const noexcept> : callable_traits<R (C::*)(A) const> {};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A)> : callable_traits<R (C::*)(A) const> {};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A) noexcept> : callable_traits<R (C::*)(A) const> {};
template <class R, class A>
struct callable_traits<R (*)(A)> {
  using result = R;
  using argument = std::decay_t<A>;
};
template <class R, class A>
struct callable_traits<R (*)(A) noexcept> : callable_traits<R (*)(A)> {};

/// Whether callable_traits can read F's signature (not a generic lambda, not overloaded).
template <class F>
concept has_one_signature = std::is_pointer_v<F> || requires { &F::operator(); };

}  // namespace rankpool::detail
