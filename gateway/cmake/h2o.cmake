# libh2o for the gateway, as the target gw_h2o.
#
# SKS_H2O_FROM_SOURCE=ON (default): Debian's own h2o 2.2.5 source package,
# unpacked and patched by scripts/h2o-source.sh (third_party/h2o-patches:
# the HTTP/2 bounds of docs/SECURITY.md), compiled here into a static
# library. OFF: the system's libh2o-evloop (Debian's libh2o-evloop-dev), which
# lacks those bounds; the gateway then says so at start (docs/GATEWAY.md).
option(SKS_H2O_FROM_SOURCE "Build libh2o 2.2.5 from Debian's source package with skscore's patches" ON)
set(SKS_H2O_SOURCE_DIR "${PROJECT_SOURCE_DIR}/third_party/h2o-2.2.5" CACHE PATH
    "where scripts/h2o-source.sh unpacks the patched h2o source")

if(SKS_H2O_FROM_SOURCE)
  execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/h2o-source.sh ${SKS_H2O_SOURCE_DIR}
                  RESULT_VARIABLE h2o_rc)
  if(NOT h2o_rc EQUAL 0)
    message(FATAL_ERROR "scripts/h2o-source.sh failed (needs dpkg-dev, xz-utils and Debian's source index); "
                        "-DSKS_H2O_FROM_SOURCE=OFF builds against the system libh2o-evloop instead")
  endif()
  # Re-run cmake when the patches change.
  file(GLOB h2o_patches ${PROJECT_SOURCE_DIR}/third_party/h2o-patches/*.patch)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${h2o_patches})
  pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
  pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
  set(S ${SKS_H2O_SOURCE_DIR})
  # libh2o-evloop's sources as h2o's own CMakeLists.txt lists them (less
  # websocket.c: the gateway does not use WebSocket, so no libwslay).
  add_library(gw_h2o STATIC EXCLUDE_FROM_ALL
    ${S}/deps/cloexec/cloexec.c ${S}/deps/libgkc/gkc.c
    ${S}/deps/libyrmcds/close.c ${S}/deps/libyrmcds/connect.c ${S}/deps/libyrmcds/recv.c
    ${S}/deps/libyrmcds/send.c ${S}/deps/libyrmcds/send_text.c ${S}/deps/libyrmcds/socket.c
    ${S}/deps/libyrmcds/strerror.c ${S}/deps/libyrmcds/text_mode.c ${S}/deps/picohttpparser/picohttpparser.c
    ${S}/lib/common/cache.c ${S}/lib/common/file.c ${S}/lib/common/filecache.c ${S}/lib/common/hostinfo.c
    ${S}/lib/common/http1client.c ${S}/lib/common/memcached.c ${S}/lib/common/memory.c
    ${S}/lib/common/multithread.c ${S}/lib/common/serverutil.c ${S}/lib/common/socket.c
    ${S}/lib/common/socketpool.c ${S}/lib/common/string.c ${S}/lib/common/time.c ${S}/lib/common/timeout.c
    ${S}/lib/common/url.c
    ${S}/lib/core/config.c ${S}/lib/core/configurator.c ${S}/lib/core/context.c ${S}/lib/core/headers.c
    ${S}/lib/core/logconf.c ${S}/lib/core/proxy.c ${S}/lib/core/request.c ${S}/lib/core/token.c
    ${S}/lib/core/util.c
    ${S}/lib/handler/access_log.c ${S}/lib/handler/chunked.c ${S}/lib/handler/compress.c
    ${S}/lib/handler/compress/gzip.c ${S}/lib/handler/errordoc.c ${S}/lib/handler/expires.c
    ${S}/lib/handler/fastcgi.c ${S}/lib/handler/file.c ${S}/lib/handler/headers.c ${S}/lib/handler/mimemap.c
    ${S}/lib/handler/proxy.c ${S}/lib/handler/redirect.c ${S}/lib/handler/reproxy.c
    ${S}/lib/handler/throttle_resp.c ${S}/lib/handler/status.c ${S}/lib/handler/headers_util.c
    ${S}/lib/handler/status/events.c ${S}/lib/handler/status/requests.c ${S}/lib/handler/http2_debug_state.c
    ${S}/lib/handler/status/durations.c
    ${S}/lib/handler/configurator/access_log.c ${S}/lib/handler/configurator/compress.c
    ${S}/lib/handler/configurator/errordoc.c ${S}/lib/handler/configurator/expires.c
    ${S}/lib/handler/configurator/fastcgi.c ${S}/lib/handler/configurator/file.c
    ${S}/lib/handler/configurator/headers.c ${S}/lib/handler/configurator/proxy.c
    ${S}/lib/handler/configurator/redirect.c ${S}/lib/handler/configurator/reproxy.c
    ${S}/lib/handler/configurator/throttle_resp.c ${S}/lib/handler/configurator/status.c
    ${S}/lib/handler/configurator/http2_debug_state.c ${S}/lib/handler/configurator/headers_util.c
    ${S}/lib/http1.c ${S}/lib/tunnel.c
    ${S}/lib/http2/cache_digests.c ${S}/lib/http2/casper.c ${S}/lib/http2/connection.c ${S}/lib/http2/frame.c
    ${S}/lib/http2/hpack.c ${S}/lib/http2/scheduler.c ${S}/lib/http2/stream.c
    ${S}/lib/http2/http2_debug_state.c)
  target_include_directories(gw_h2o SYSTEM PUBLIC ${S}/include)
  target_include_directories(gw_h2o PRIVATE ${S}/deps/cloexec ${S}/deps/golombset ${S}/deps/libgkc
    ${S}/deps/libyrmcds ${S}/deps/klib ${S}/deps/picohttpparser ${S}/deps/yoml)
  target_compile_definitions(gw_h2o PUBLIC H2O_USE_LIBUV=0 SKS_H2O_PATCHED=1 PRIVATE _GNU_SOURCE)
  # Third-party code: its own warnings are not ours; and UBSan's traps stay
  # on our code (ASan covers h2o too in the sanitizer build).
  target_compile_options(gw_h2o PRIVATE -w -fno-strict-aliasing)
  if(SKS_SANITIZE OR SKS_FUZZ)
    target_compile_options(gw_h2o PRIVATE -fno-sanitize=undefined)
  endif()
  target_link_libraries(gw_h2o PUBLIC PkgConfig::SSL PkgConfig::CRYPTO PkgConfig::YAML PkgConfig::ZLIB
                        Threads::Threads ${CMAKE_DL_LIBS})
else()
  pkg_check_modules(H2O REQUIRED IMPORTED_TARGET libh2o-evloop)
  add_library(gw_h2o INTERFACE)
  # h2o.h picks libuv unless told otherwise; Debian's .pc does not say.
  target_compile_definitions(gw_h2o INTERFACE H2O_USE_LIBUV=0)
  target_link_libraries(gw_h2o INTERFACE PkgConfig::H2O PkgConfig::SSL PkgConfig::CRYPTO)
endif()
