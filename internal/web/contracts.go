package web

func (s *Server) contractRoutes() []route { return nil }
