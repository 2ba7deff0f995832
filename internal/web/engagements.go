package web

func (s *Server) engagementRoutes() []route { return nil }
