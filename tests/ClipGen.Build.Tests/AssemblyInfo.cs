// The load fix exists for Linux only, and these tests drive g++, readelf and chattr.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
