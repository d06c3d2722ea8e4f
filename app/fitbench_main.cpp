// fitbench: the Qt application. Accepts MXNet fit.py's arguments, which
// override the default experiment (lenet on Fashion-MNIST), and opens the main
// window with them: its experiment panel starts filled with these arguments. Qt itself is configured through
// its environment variables (QT_QPA_PLATFORM, QT_SCALE_FACTOR, ...), not through command-line options.
//
// Two hidden options serve scripts/screenshots.sh: `--screenshots DIR` starts
// training at once, and after `--screenshot-delay SECONDS` (default 10) saves
// each main view as DIR/<view>.png, stops the run and quits without asking.
#include <QApplication>
#include <QDir>
#include <QScreen>
#include <QTimer>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "EnglishPlurals.h"
#include "MainWindow.h"
#include "Screenshots.h"
#include "fitbench/cpu_threads.h"
#include "fitbench/error.h"
#include "fitbench/fit_args.h"
#include "fitbench/gpu_module.h"

int main(int argc, char* argv[]) {
  fitbench::prepare_cpu_threads(argv);
  std::vector<std::string> args;
  std::string screenshotDir;
  double screenshotDelay = 10.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--screenshots" || arg == "--screenshot-delay") && i + 1 < argc) {
      if (arg == "--screenshots")
        screenshotDir = argv[++i];
      else
        screenshotDelay = std::atof(argv[++i]);
    } else {
      args.push_back(arg);
    }
  }

  // Parsed before QApplication exists, so a bad argument is reported without
  // needing a display.
  fitbench::FitArgs fitArgs;
  try {
    fitArgs = fitbench::parse_command_line(args, MainWindow::defaultExperiment());
  } catch (const fitbench::HelpRequested&) {
    std::cout << fitbench::format_help("fitbench", MainWindow::defaultExperiment()) << '\n'
              << fitbench::gpu_module_summary() << std::endl;
    return 0;
  } catch (const fitbench::Error& e) {
    std::cerr << "fitbench: error: " << e.what() << '\n';
    return 2;
  }

  int qtArgc = 1;  // the arguments above are ours, not Qt's
  QApplication app(qtArgc, argv);
  QApplication::setApplicationName(QStringLiteral("fitbench"));
  QApplication::setOrganizationName(QStringLiteral("fitbench"));
  QApplication::setDesktopFileName(QStringLiteral("fitbench"));
  QApplication::setApplicationVersion(QStringLiteral(FITBENCH_VERSION));
  EnglishPlurals plurals;
  QApplication::installTranslator(&plurals);

  MainWindow window(fitArgs);
  // The screenshots show the default layout and experiment, whatever was used last.
  if (screenshotDir.empty()) window.restoreSession(args.empty());
  // A screen smaller than the default size, with room for a title bar, gets the window maximized.
  constexpr int kTitleBarRoom = 64;
  const QSize available = window.screen()->availableSize();
  if (window.width() > available.width() || window.height() + kTitleBarRoom > available.height())
    window.showMaximized();
  else
    window.show();
  int screenshotStatus = 0;
  if (!screenshotDir.empty()) {
    window.startTraining();
    QTimer::singleShot(static_cast<int>(screenshotDelay * 1000), &window, [&] {
      QString error;
      for (const QString& path : saveScreenshots(window, QString::fromStdString(screenshotDir), &error))
        std::cout << "wrote " << QDir::toNativeSeparators(path).toStdString() << '\n';
      if (!error.isEmpty()) {
        std::cerr << "fitbench: error: " << error.toStdString() << '\n';
        screenshotStatus = 1;
      }
      // Not close(), which would ask what to do with the run: the window's
      // destructor stops it and waits.
      QCoreApplication::exit(0);
    });
  }
  const int status = QApplication::exec();
  return status != 0 ? status : screenshotStatus;
}
