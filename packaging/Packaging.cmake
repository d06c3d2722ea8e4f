# CPack: a Debian package of fitbench (cpack -G DEB in the build directory,
# or cmake --build build --target package).
if(FITBENCH_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/fitbench.desktop DESTINATION share/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fitbench.svg
          DESTINATION share/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fitbench-256.png
          DESTINATION share/icons/hicolor/256x256/apps RENAME fitbench.png)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fitbench)
set(CPACK_PACKAGE_VENDOR "fitbench developers")
set(CPACK_PACKAGE_CONTACT "fitbench developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "A C++ re-creation of MXNet's fit.py training driver with a Qt 6 workbench:\nlive loss and accuracy charts, checkpoints that resume, and a command line\nthat accepts fit.py's arguments; fitbench-score, fitbench-predict and\nfitbench-im2rec beside it.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY fitbench)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "fitbench developers")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(fitbench_deb_depends "libopenblas0 | libopenblas0-pthread, zlib1g, libgomp1, libpng16-16")
if(JPEG_FOUND)
  string(APPEND fitbench_deb_depends ", libjpeg62-turbo")
endif()
if(FITBENCH_HAVE_CUDA)
  # cuBLAS, cuDNN and NCCL are NVIDIA's packages, not Debian's, so no Depends
  # can name them; the description says what the machine needs.
  string(APPEND CPACK_PACKAGE_DESCRIPTION "\nThis build has the CUDA backend: it needs NVIDIA's driver, cuBLAS,\n"
         "cuDNN 9 and NCCL on the library path (e.g. /usr/local/cuda/lib64).")
endif()
if(FITBENCH_HAVE_MPI)
  string(APPEND fitbench_deb_depends ", libopenmpi3")
endif()
if(FITBENCH_GUI)
  string(PREPEND fitbench_deb_depends "libqt6widgets6, libqt6charts6, ")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${fitbench_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")

include(CPack)
