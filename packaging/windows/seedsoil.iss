; Inno Setup 6 script for the Windows installer of Seed & Soil.
; packaging/build.py compiles it on Windows after freezing the bundle:
;   ISCC /DAppVersion=0.1.0 /DSourceDir=<bundle> /DOutputDir=<dist> /DIconFile=<ico> /DLicenseFile=<file> seedsoil.iss
; It installs the one-folder bundle (no Python needed), a Start-menu entry and an uninstaller, and
; offers two unticked tasks: a desktop icon, and starting full screen ("--kiosk") at every log-in.

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (packaging/build.py does)
#endif
#ifndef SourceDir
  #error Pass /DSourceDir=<the PyInstaller one-folder bundle>
#endif
#ifndef OutputDir
  #define OutputDir "."
#endif

[Setup]
; The AppId identifies the program for upgrades and the uninstaller: never change it.
AppId={{A0120CBC-7B64-4139-A4CD-E40B4567E63D}
; "and", not "&": Inno Setup puts the name into wizard labels, where "&" marks a shortcut key.
AppName=Seed and Soil
AppVersion={#AppVersion}
AppVerName=Seed and Soil {#AppVersion}
AppPublisher=The Seed and Soil contributors
DefaultDirName={autopf}\Seed and Soil
DefaultGroupName=Seed and Soil
DisableProgramGroupPage=yes
; Per-machine by default (a museum PC); the dialog lets a user without admin rights install for themselves.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=SeedSoil-{#AppVersion}-windows-x64-setup
#ifdef IconFile
SetupIconFile={#IconFile}
#endif
#ifdef LicenseFile
LicenseFile={#LicenseFile}
#endif
UninstallDisplayIcon={app}\seedsoil.exe
UninstallDisplayName=Seed and Soil
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "kiosk"; Description: "Start Seed and Soil full screen (kiosk mode) whenever a user logs in"; GroupDescription: "Exhibits and classrooms:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Seed & Soil"; Filename: "{app}\seedsoil.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\Seed & Soil"; Filename: "{app}\seedsoil.exe"; WorkingDir: "{app}"; Tasks: desktopicon
; {autostartup} is the all-users Startup folder in a per-machine install, the user's otherwise.
Name: "{autostartup}\Seed & Soil (kiosk)"; Filename: "{app}\seedsoil.exe"; Parameters: "--kiosk"; WorkingDir: "{app}"; Tasks: kiosk

[Run]
; The first start compiles the simulation kernels behind a splash (later starts load them from
; %LOCALAPPDATA%\SeedSoil\Cache).
Filename: "{app}\seedsoil.exe"; Description: "{cm:LaunchProgram,Seed and Soil}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The JIT cache of the user who uninstalls (other users' caches are theirs to delete).
Type: filesandordirs; Name: "{localappdata}\SeedSoil\Cache"
