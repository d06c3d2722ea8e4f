// fitbench: the Qt application. Accepts MXNet fit.py's arguments, which
// override the default experiment (lenet on Fashion-MNIST), and opens the main
// window with them: its experiment panel starts filled with these arguments. Qt itself is configured through its environment variables
// (QT_QPA_PLATFORM, QT_SCALE_FACTOR, ...), not through command-line options.
#include <QApplication>

#include <iostream>
#include <string>
#include <vector>

#include "MainWindow.h"
#include "fitbench/error.h"
#include "fitbench/fit_args.h"

int main(int argc, char* argv[]) {
  const std::vector<std::string> args(argv + 1, argv + argc);

  // Parsed before QApplication exists, so a bad argument is reported without
  // needing a display.
  fitbench::FitArgs fitArgs;
  try {
    fitArgs = fitbench::parse_command_line(args, MainWindow::defaultExperiment());
  } catch (const fitbench::HelpRequested&) {
    std::cout << fitbench::format_help("fitbench") << std::flush;
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

  MainWindow window(fitArgs);
  window.show();
  return QApplication::exec();
}
