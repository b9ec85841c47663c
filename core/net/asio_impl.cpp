// Asio, Asio SSL and Beast compiled once for the whole program (see asio_args in meson.build).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
