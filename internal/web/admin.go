package web

func (s *Server) adminRoutes() []route { return nil }
