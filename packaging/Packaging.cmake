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
set(fitbench_deb_depends "libopenblas0 | libopenblas0-pthread, zlib1g, libgomp1, libjpeg62-turbo, libpng16-16")
if(FITBENCH_HAVE_MPI)
  string(APPEND fitbench_deb_depends ", libopenmpi3")
endif()
if(FITBENCH_GUI)
  string(PREPEND fitbench_deb_depends "libqt6widgets6, libqt6charts6, ")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${fitbench_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")

include(CPack)
