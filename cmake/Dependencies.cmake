# Finds the platform libraries fitbench builds on (Debian package names in README.md).
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nlohmann_json 3.10 REQUIRED)
# Image data: JPEG through libjpeg-turbo (libjpeg62-turbo-dev), PNG through
# libpng-dev. JPEG is optional so the core builds where only PNG is at hand
# (the GPU machines); scripts/setup.sh always installs it.
find_package(JPEG)
find_package(PNG REQUIRED)
# TensorBoard's event files (core/proto) are protobuf messages.
find_package(Protobuf REQUIRED)
# ONNX export (fitbench_onnx, fitbench-export) builds models with Debian's
# libonnx-dev classes; optional like JPEG, for machines that only train.
find_package(ONNX QUIET)
if(NOT ONNX_FOUND)
  message(WARNING "libonnx-dev not found: fitbench-export and the checkpoint browser's ONNX export are left out")
endif()
if(NOT JPEG_FOUND)
  message(WARNING "libjpeg not found: this build reads and writes PNG images only")
endif()

# OpenBLAS: GEMM for FullyConnected and Convolution.
find_path(OPENBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread)
find_library(OPENBLAS_LIBRARY NAMES openblas)
if(NOT OPENBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS not found: install libopenblas-dev")
endif()
add_library(fitbench_openblas INTERFACE)
target_include_directories(fitbench_openblas INTERFACE ${OPENBLAS_INCLUDE_DIR})
target_link_libraries(fitbench_openblas INTERFACE ${OPENBLAS_LIBRARY})

# CUDA backend: AUTO builds it when nvcc and cuDNN are found. Kernels are
# compiled for Hopper (H100, H200) unless CMAKE_CUDA_ARCHITECTURES says otherwise.
set(FITBENCH_HAVE_CUDA OFF)
set(FITBENCH_HAVE_NCCL OFF)
if(NOT FITBENCH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS /usr/local/cuda/include PATH_SUFFIXES x86_64-linux-gnu)
  find_library(CUDNN_LIBRARY cudnn HINTS /usr/local/cuda/lib64 PATH_SUFFIXES x86_64-linux-gnu)
  if(CMAKE_CUDA_COMPILER AND CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
    set(FITBENCH_HAVE_CUDA ON)
  elseif(FITBENCH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "FITBENCH_CUDA=ON but nvcc or cuDNN (cudnn.h, libcudnn) was not found")
  endif()
endif()
if(FITBENCH_HAVE_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  # CMake 3.25 does not know that nvcc 12+ speaks C++20; tell it the flag.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # Device lambdas serve as the bodies of element-wise kernels.
  string(APPEND CMAKE_CUDA_FLAGS " --extended-lambda")
  find_package(CUDAToolkit REQUIRED)
  add_library(fitbench_cudnn INTERFACE)
  target_include_directories(fitbench_cudnn INTERFACE ${CUDNN_INCLUDE_DIR})
  target_link_libraries(fitbench_cudnn INTERFACE ${CUDNN_LIBRARY})
  # NCCL: the nccl kvstore's all-reduce over several GPUs.
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(FITBENCH_HAVE_NCCL ON)
    add_library(fitbench_nccl INTERFACE)
    target_include_directories(fitbench_nccl INTERFACE ${NCCL_INCLUDE_DIR})
    target_link_libraries(fitbench_nccl INTERFACE ${NCCL_LIBRARY})
  endif()
endif()
message(STATUS "fitbench: CUDA backend (nvcc, cuBLAS, cuDNN): ${FITBENCH_HAVE_CUDA}, NCCL: ${FITBENCH_HAVE_NCCL}")

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
