# Finds the platform libraries fitbench builds on (Debian package names in README.md).
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nlohmann_json 3.10 REQUIRED)
# Image data: JPEG through libjpeg-turbo (libjpeg62-turbo-dev), PNG through libpng-dev.
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)

# OpenBLAS: GEMM for FullyConnected and Convolution.
find_path(OPENBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread)
find_library(OPENBLAS_LIBRARY NAMES openblas)
if(NOT OPENBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS not found: install libopenblas-dev")
endif()
add_library(fitbench_openblas INTERFACE)
target_include_directories(fitbench_openblas INTERFACE ${OPENBLAS_INCLUDE_DIR})
target_link_libraries(fitbench_openblas INTERFACE ${OPENBLAS_LIBRARY})

# CUDA backend (the GPU issue fills it): AUTO builds it when nvcc and cuDNN are found.
set(FITBENCH_HAVE_CUDA OFF)
if(NOT FITBENCH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS /usr/local/cuda/include PATH_SUFFIXES x86_64-linux-gnu)
  if(CMAKE_CUDA_COMPILER AND CUDNN_INCLUDE_DIR)
    set(FITBENCH_HAVE_CUDA ON)
  elseif(FITBENCH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "FITBENCH_CUDA=ON but nvcc or cudnn.h was not found")
  endif()
endif()
message(STATUS "fitbench: CUDA toolkit and cuDNN found: ${FITBENCH_HAVE_CUDA} (no CUDA kernels are built yet)")

# MPI for the distributed kvstores (dist_sync, dist_device_sync, dist_async):
# AUTO builds them when an MPI C library is found (Debian: libopenmpi-dev).
set(FITBENCH_HAVE_MPI OFF)
if(NOT FITBENCH_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS C QUIET)
  if(MPI_C_FOUND)
    set(FITBENCH_HAVE_MPI ON)
  elseif(FITBENCH_MPI STREQUAL "ON")
    message(FATAL_ERROR "FITBENCH_MPI=ON but MPI was not found: install libopenmpi-dev")
  endif()
endif()
message(STATUS "fitbench: MPI distributed kvstores: ${FITBENCH_HAVE_MPI}")
