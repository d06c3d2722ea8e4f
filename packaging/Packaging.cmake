# CPack: Debian packages of fitbench (cpack -G DEB in the build directory).
#
#   fitbench       every program, its man page, the desktop entry and icons. It
#                  links no CUDA library, so it starts on any Debian 12 and
#                  trains on the CPU. Its Depends come from dpkg-shlibdeps
#                  (dpkg-dev), so they name exactly what the binaries link.
#   fitbench-cuda  the GPU module (lib/fitbench/libfitbench_cuda.so), loaded at
#                  run time when present; made only by builds that have one.
# Each program with the one line its man page's NAME gives.
set(fitbench-cli_purpose "train a neural network with MXNet fit.py's arguments")
set(fitbench-score_purpose "score a saved model on a data set (MXNet's score.py)")
set(fitbench-predict_purpose "the top classes a saved model gives images")
set(fitbench-im2rec_purpose "pack image folders into RecordIO files (MXNet's im2rec)")
set(fitbench-export_purpose "write a saved model as an ONNX file")
set(fitbench_purpose "a desktop workbench for training neural networks")
set(fitbench_programs fitbench-cli fitbench-score fitbench-predict fitbench-im2rec)
if(TARGET fitbench-export)
  list(APPEND fitbench_programs fitbench-export)
endif()
if(FITBENCH_GUI)
  list(APPEND fitbench_programs fitbench)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/fitbench.desktop DESTINATION share/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fitbench.svg
          DESTINATION share/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fitbench-256.png
          DESTINATION share/icons/hicolor/256x256/apps RENAME fitbench.png)
endif()

# Man pages, made from each program's --help by help2man (Debian's help2man);
# without it the package has none and configure says so. --help's last line
# tells where this machine's GPU module is (or why it is not), which belongs to
# the machine, not to the page.
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  set(fitbench_man_pages)
  foreach(program ${fitbench_programs})
    set(page ${CMAKE_BINARY_DIR}/man/${program}.1.gz)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
              sh -c "'${HELP2MAN_EXECUTABLE}' --no-info --no-discard-stderr --version-string='${PROJECT_VERSION}' --name=\"${${program}_purpose}\" '$<TARGET_FILE:${program}>' | sed '/^GPU module: /d' | gzip -9n > '${page}'"
      DEPENDS ${program}
      COMMENT "Man page of ${program} (help2man)"
      VERBATIM)
    list(APPEND fitbench_man_pages ${page})
  endforeach()
  add_custom_target(fitbench_man_pages ALL DEPENDS ${fitbench_man_pages})
  install(FILES ${fitbench_man_pages} DESTINATION share/man/man1)
else()
  message(STATUS "fitbench: help2man not found: packages will have no man pages (install help2man)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fitbench)
set(CPACK_PACKAGE_VENDOR "fitbench developers")
set(CPACK_PACKAGE_CONTACT "fitbench developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each component's description starts with its own summary line. CPackDeb
# puts CPACK_PACKAGE_DESCRIPTION_SUMMARY above it unless that is CPack's
# default text, so it is set to that.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_INSTALL_DIRECTORY fitbench)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL fitbench)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "fitbench developers")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)

set(CPACK_DEBIAN_FITBENCH_PACKAGE_NAME fitbench)
set(CPACK_COMPONENT_FITBENCH_DESCRIPTION
    "${PROJECT_DESCRIPTION}\nA C++ re-creation of MXNet's fit.py training driver with a Qt 6 workbench:\nlive loss and accuracy charts, checkpoints that resume, and a command line\nthat accepts fit.py's arguments; fitbench-score, fitbench-predict,\nfitbench-export (ONNX) and fitbench-im2rec beside it. It trains on the CPU; the fitbench-cuda package\nadds NVIDIA GPUs.")
set(CPACK_DEBIAN_FITBENCH_PACKAGE_SHLIBDEPS ON)
# The default data set, and mpirun for runs on several processes.
set(CPACK_DEBIAN_FITBENCH_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
if(FITBENCH_HAVE_MPI)
  string(APPEND CPACK_DEBIAN_FITBENCH_PACKAGE_RECOMMENDS ", openmpi-bin")
endif()

if(TARGET fitbench_cuda)
  list(APPEND CPACK_COMPONENTS_ALL cuda)
  set(CPACK_DEBIAN_CUDA_PACKAGE_NAME fitbench-cuda)
  set(CPACK_COMPONENT_CUDA_DESCRIPTION
      "GPU module of fitbench (CUDA, cuDNN, cuBLAS, NCCL)\nLets fitbench train on NVIDIA GPUs (--gpus, the Devices view, the nccl\nkvstore). It needs NVIDIA's driver and, from NVIDIA's CUDA repository,\ncuBLAS 13, cuDNN 9 for CUDA 13 and NCCL 2.")
  # cuBLAS, cuDNN and NCCL come from NVIDIA's repository, not Debian's, so
  # dpkg-shlibdeps cannot name them: these are that repository's names.
  set(CPACK_DEBIAN_CUDA_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_CUDA_PACKAGE_DEPENDS
      "fitbench (= ${PROJECT_VERSION}), libcublas-13-0, libcudnn9-cuda-13, libnccl2")
endif()

include(CPack)
